"""Public service guides and catalogue pages (built by the catalogue issue)."""
app_name = "catalog"

urlpatterns: list = []
