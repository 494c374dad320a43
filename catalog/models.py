"""The catalogue: departments, back-office sections, and (in the catalogue issue) items and bundles."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    """A government department: competent for items (主管) and/or supervising them after approval (监管)."""

    code = models.CharField(_("部门编码"), max_length=32, unique=True)
    name = models.CharField(_("部门名称"), max_length=100, unique=True)
    short_name = models.CharField(_("简称"), max_length=32, blank=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("部门用户"),
        blank=True,
        related_name="departments",
        help_text=_("可认领本部门审管联动推送的监管人员"),
    )

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Section(models.Model):
    """A back-office section (科室) of the approval bureau; officers work the cases of their section."""

    code = models.CharField(_("科室编码"), max_length=32, unique=True)
    name = models.CharField(_("科室名称"), max_length=100, unique=True)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("科室负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_sections",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("科室人员"), blank=True, related_name="sections"
    )

    class Meta:
        verbose_name = _("科室")
        verbose_name_plural = _("科室")
        ordering = ["code"]

    def __str__(self):
        return self.name
