"""The filter sets build only the filters a query string names, and filter and refuse exactly as django-filter's own
full form would."""

import pytest
from django.http import QueryDict
from django_filters.filterset import BaseFilterSet

from api import filters
from tracker.models import Ticket

QUERIES = [
    "",
    "state=rectifying",
    "state=rectifying&state=explained&unit=3",
    "class=long_term&q=供暖&ordering=-due_on&cursor=abc&page_size=10",
    "overdue=true&warning=red&within=2",
    "due_before=2026-12-31&due_after=2026-01-01&severity=severe&dimension=green",
    "appraisal=1&indicator=2&listed=false",
    "state=bogus",
    "unit=-1&due_before=2026-13-01",
    "overdue=maybe",
]


def full_form_twin(filterset: filters.FilterSet, query: QueryDict) -> BaseFilterSet:
    """The same filter set built the way django-filter builds it: every declared filter in the form."""
    twin = type(filterset).__new__(type(filterset))
    BaseFilterSet.__init__(twin, query, queryset=Ticket.objects.all())
    return twin


@pytest.mark.django_db
@pytest.mark.parametrize("raw", QUERIES)
def test_the_ledger_filter_builds_what_the_query_names_and_behaves_as_the_full_form(raw):
    query = QueryDict(raw)
    trimmed = filters.TicketFilter(query, queryset=Ticket.objects.all())
    full = full_form_twin(trimmed, query)

    assert set(trimmed.form.fields) == {name for name in filters.TicketFilter.base_filters if name in query}
    assert set(full.form.fields) == set(filters.TicketFilter.base_filters)
    assert trimmed.is_valid() == full.is_valid()
    assert trimmed.errors == full.errors
    if full.is_valid():
        assert trimmed.qs.query.sql_with_params() == full.qs.query.sql_with_params()


def test_a_widget_split_over_suffixed_keys_keeps_its_filter():
    class Ranged(filters.FilterSet):
        due = filters.filters.DateFromToRangeFilter(field_name="due_on")
        state = filters.filters.CharFilter()

        class Meta:
            model = Ticket
            fields: list[str] = []

    assert set(Ranged(QueryDict("due_after=2026-01-01")).filters) == {"due"}
    assert set(Ranged(QueryDict("due_after=2026-01-01"), prefix="p").filters) == set()
    assert set(Ranged(QueryDict("p-state=x"), prefix="p").filters) == {"state"}
    assert set(Ranged(None).filters) == {"due", "state"}
