"""The staff side's pages, namespace "approvals", mounted at the site's root by portal/urls.py: under /office/ the
intake desk's, the officers', and the shared notice and file views; under /licences/ the holder's licence actions
(renewal). One namespace, so every page of the staff side reverses as approvals:<name>."""
from django.urls import include, path

from approvals import views
from approvals.cases import urls as case_urls
from approvals.certificates import views as certificate_views
from approvals.intake import urls as intake_urls
from approvals.oversight import views as oversight_views
from approvals.renewals import urls as renewal_urls

app_name = "approvals"

office_patterns = [
    path("notices/<uuid:public_id>/", views.notice, name="notice"),
    path("notices/<uuid:public_id>/pdf/", views.notice_pdf, name="notice_pdf"),
    path("files/<uuid:public_id>/", views.file, name="file"),
    path("certificates/<uuid:public_id>/pdf/", certificate_views.certificate_pdf, name="certificate_pdf"),
    path("certificates/<uuid:public_id>/manage/", certificate_views.manage, name="certificate_manage"),
    path("licences/", certificate_views.licence_search, name="licence_search"),
    path("oversight/month/", oversight_views.month_figures, name="oversight_month"),
    *intake_urls.urlpatterns,
    *case_urls.urlpatterns,
]

urlpatterns = [
    path("office/", include(office_patterns)),
    path("licences/", include(renewal_urls.urlpatterns)),
]
