"""portal.choice_labels: every model's get_<field>_display answers what Django's own answers, from a cache."""
from functools import partialmethod

from django.apps import apps
from django.db.models import Model
from django.utils import translation

from applications.models import Application, Status
from approvals.models import ApprovalCase, CaseWarning


def _choice_fields():
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields():
            if getattr(field, "choices", None) and getattr(field, "attname", None):
                yield model, field


def test_every_generated_display_method_is_replaced_and_answers_as_djangos():
    checked = 0
    for model, field in _choice_fields():
        name = f"get_{field.name}_display"
        defined = next(cls.__dict__[name] for cls in model.__mro__ if name in cls.__dict__)
        assert not isinstance(defined, partialmethod), (model, field.name)  # Django's generated one was replaced
        method = getattr(model, name)
        instance = model.__new__(model)  # no database: only the field's value matters
        for value, _label in list(field.flatchoices) + [("not-a-choice", None)]:
            instance.__dict__[field.attname] = value
            assert method(instance) == Model._get_FIELD_display(instance, field), (model, field.name, value)
            checked += 1
    assert checked > 100


def test_labels_follow_the_active_language_and_unknown_values_come_back():
    application = Application(status=Status.SUPPLEMENT_REQUESTED)
    with translation.override("zh-hans"):
        assert application.get_status_display() == "待补正材料"
    with translation.override("en"):
        assert application.get_status_display() == str(Status.SUPPLEMENT_REQUESTED.label)
    assert ApprovalCase(stage="no-such-stage").get_stage_display() == "no-such-stage"
    assert CaseWarning(kind="red").get_kind_display() == "红色预警"
