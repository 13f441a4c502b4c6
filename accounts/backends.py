from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class LockAwareModelBackend(ModelBackend):
    """ModelBackend that refuses accounts an administrator has locked."""

    def user_can_authenticate(self, user):
        return super().user_can_authenticate(user) and not getattr(user, "is_locked", False)

    def get_user(self, user_id):
        """The request's user, with his organization and its parent in the same query: every
        business page reads both (``accounts.selectors.jurisdiction_path``, ``acting_org_ids``),
        which were two more queries per request (docs/performance.md §14)."""
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("organization__parent").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
