"""The approval officers' pages (mounted at /office/ by approvals/urls.py, namespace "approvals")."""
from django.urls import path

from approvals.cases import views

urlpatterns = [
    path("cases/", views.queue, name="case_queue"),
    path("cases/mine/", views.mine, name="case_mine"),
    path("cases/take-next/", views.take_next, name="case_take_next"),
    path("cases/<int:pk>/", views.case, name="case"),
    *[path(f"cases/<int:pk>/{action.replace('_', '-')}/", views.case_action, {"action": action},
           name=f"case_{action}") for action in views.ACTION_FORMS],
    path("cases/inspections/", views.inspections, name="case_inspections"),
    path("cases/inspections/<int:pk>/result/", views.inspection_result, name="case_inspection_result"),
    path("cases/inspections/<int:pk>/cosign/", views.inspection_cosign, name="case_inspection_cosign"),
    path("cases/inspections/<int:pk>/reinspect/", views.reinspect, name="case_reinspect"),
    path("cases/evidence/<uuid:public_id>/", views.evidence, name="case_evidence"),
    path("cases/extensions/", views.extensions, name="case_extensions"),
    path("cases/extensions/<int:pk>/decide/", views.extension_decide, name="case_extension_decide"),
    path("cases/overview/", views.overview, name="case_overview"),
]
