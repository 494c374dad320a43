from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("事项清单")

    def ready(self):
        from catalog import panels
        from portal import dashboard, navigation
        from portal.roles import Role

        navigation.register(_("办事指南"), "catalog:index", public=True, order=10)
        navigation.register(
            _("事项导入导出"), "admin:catalog_item_import", roles=[Role.ADMINISTRATOR], order=92
        )
        # The public landing page: search first (with the popular items), then the bundles.
        dashboard.register_panel(dashboard.VISITOR, "catalog/panels/search.html", panels.search, order=10)
        dashboard.register_panel(dashboard.VISITOR, "catalog/panels/bundles.html", panels.bundles, order=20)

    def load_demo(self) -> str:
        """The demo catalogue (called by `manage.py seed_demo` after the demo accounts exist)."""
        from catalog import demo

        return demo.load()
