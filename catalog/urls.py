"""Public service guides (办事指南), mounted at /guide/."""
from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.index, name="index"),
    path("item/<int:pk>/", views.item_detail, name="item"),
    path("item/<int:pk>/guide.pdf", views.item_pdf, name="item_pdf"),
    path("bundle/<int:pk>/", views.bundle_detail, name="bundle"),
    path("bundle/<int:pk>/guide.pdf", views.bundle_pdf, name="bundle_pdf"),
    path("material/<int:pk>/<slug:kind>/", views.material_file, name="material_file"),
]
