"""The staff pages, mounted at /office/: the intake desk's, the officers', and the shared notice and file views."""
from django.urls import path

from approvals import views
from approvals.cases import urls as case_urls
from approvals.certificates import views as certificate_views
from approvals.intake import urls as intake_urls

app_name = "approvals"

urlpatterns = [
    path("notices/<uuid:public_id>/", views.notice, name="notice"),
    path("notices/<uuid:public_id>/pdf/", views.notice_pdf, name="notice_pdf"),
    path("files/<uuid:public_id>/", views.file, name="file"),
    path("certificates/<uuid:public_id>/pdf/", certificate_views.certificate_pdf, name="certificate_pdf"),
    path("licences/", certificate_views.licence_search, name="licence_search"),
    *intake_urls.urlpatterns,
    *case_urls.urlpatterns,
]
