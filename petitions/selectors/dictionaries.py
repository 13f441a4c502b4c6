"""Reads of the coded lists (基础字典)."""
from petitions.models import DictEntry


def dictionary_entries_tree(kind):
    """All entries of one coded list in display order: depth-first for tree lists (所属问题),
    each entry carrying ``depth`` (1 = top level); inactive entries included."""
    entries = list(DictEntry.objects.filter(kind=kind).select_related("parent").order_by("sort_order", "code"))
    children = {}
    for entry in entries:
        children.setdefault(entry.parent_id, []).append(entry)
    ordered = []

    def walk(parent_id, depth):
        for entry in children.get(parent_id, ()):
            entry.depth = depth
            ordered.append(entry)
            walk(entry.pk, depth + 1)

    walk(None, 1)
    return ordered
