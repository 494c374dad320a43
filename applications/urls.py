"""The applicant's pages, mounted at the site root (the guide's “在线申请” buttons reach /apply/... through portal.navigation.action_url)."""
from django.urls import include, path

from applications import views
from applications.problems import urls as problem_urls

app_name = "applications"

urlpatterns = [
    path("register/", views.register, name="register"),
    path("applicants/", views.applicants, name="applicants"),
    path("consents/", views.consents, name="consents"),
    path("consents/<int:pk>/revoke/", views.consent_revoke, name="consent_revoke"),
    path("apply/item/<int:pk>/", views.apply_item, name="apply_item"),
    path("apply/bundle/<int:pk>/", views.apply_bundle, name="apply_bundle"),
    path("applications/", views.application_list, name="list"),
    path("applications/<int:pk>/", views.application_detail, name="detail"),
    path("applications/<int:pk>/continue/", views.resume, name="resume"),
    path("applications/<int:pk>/form/", views.step_form, name="step_form"),
    path("applications/<int:pk>/materials/", views.step_materials, name="step_materials"),
    path("applications/<int:pk>/review/", views.step_review, name="step_review"),
    path("applications/<int:pk>/materials/<int:material_pk>/upload/", views.upload, name="upload"),
    path("applications/<int:pk>/materials/<int:material_pk>/tolerance/", views.tolerance, name="tolerance"),
    path("applications/<int:pk>/commitments/<slug:kind>/sign/", views.commitment_sign, name="commitment_sign"),
    path("applications/<int:pk>/commitments/<slug:kind>/withdraw/", views.commitment_withdraw,
         name="commitment_withdraw"),
    path("applications/<int:pk>/submit/", views.submit, name="submit"),
    path("applications/<int:pk>/submitted/", views.submitted, name="submitted"),
    path("applications/<int:pk>/receipt/", views.receipt, name="receipt"),
    path("applications/<int:pk>/receipt.pdf", views.receipt_pdf, name="receipt_pdf"),
    path("applications/<int:pk>/discard/", views.discard, name="discard"),
    path("applications/<int:pk>/resubmit/", views.resubmit, name="resubmit"),
    path("applications/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("files/<uuid:public_id>/", views.file_download, name="file"),
    path("files/<uuid:public_id>/delete/", views.file_delete, name="file_delete"),
    path("progress/", views.progress, name="progress"),
    path("problems/", include(problem_urls.urlpatterns)),  # 办不成事反映窗口 (applications/problems/)
]

# 好差评 (applications/ratings/): the rating pages, window visits, rectification tickets and appeals.
from applications.ratings.urls import urlpatterns as rating_patterns  # noqa: E402

urlpatterns += rating_patterns
