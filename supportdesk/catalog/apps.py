from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class CatalogConfig(AppConfig):
    name = "supportdesk.catalog"
    label = "catalog"
    verbose_name = "Products"

    def ready(self) -> None:
        from supportdesk.catalog.matching import clear_catalog_cache
        from supportdesk.catalog.models import Product, ProductVersion

        # An edit in the admin applies at once in its process (others within the cache's
        # lifetime, CATALOG_CACHE_SECONDS).
        for model in (Product, ProductVersion):
            for signal in (post_save, post_delete):
                signal.connect(
                    clear_catalog_cache,
                    sender=model,
                    dispatch_uid=f"catalog-cache-{model.__name__}",
                )
