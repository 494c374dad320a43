"""Serializers both API packages use: a notice's reference and the notice itself (addressed by its random id)."""
from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from approvals.models import Notice
from approvals.notices import notice_pdf_url
from portal.api import LINK


class NoticeRefSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    url = serializers.SerializerMethodField()
    kind = serializers.CharField(read_only=True, help_text="文书类型：acceptance 受理通知书，supplement 补正告知书，refusal 不予受理决定书……")

    class Meta:
        model = Notice
        fields = ["id", "kind", "title", "number", "issued_at", "url"]

    @extend_schema_field(LINK)
    def get_url(self, obj):
        return reverse("approvals:notice", args=[obj.public_id])


class NoticeSerializer(NoticeRefSerializer):
    case_number = serializers.CharField(source="application.case_number", read_only=True)
    pdf_url = serializers.SerializerMethodField(help_text="签章 PDF 文书的地址；生成前为 null。")
    pdf_sha256 = serializers.SerializerMethodField(help_text="PDF 文件的 SHA-256；生成前为 null。")

    class Meta(NoticeRefSerializer.Meta):
        fields = NoticeRefSerializer.Meta.fields + ["application", "case_number", "body_html", "pdf_url",
                                                    "pdf_sha256", "rendered_at"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_pdf_url(self, obj) -> str | None:
        return notice_pdf_url(obj)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_pdf_sha256(self, obj) -> str | None:
        return obj.pdf_sha256 or None
