"""Applicants' own applications over the standard interface (/api/v1/applications/)."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from . import selectors
from .models import ApplicationEvent
from .serializers import ApplicationDetailSerializer, ApplicationSerializer


@extend_schema_view(
    list=extend_schema(tags=["node-application"], summary="本单位的节点申报 (my organisation's node applications)"),
    retrieve=extend_schema(
        tags=["node-application"], summary="申报状态、当前环节与办理进度 (status, current step, timeline)"
    ),
)
class ApplicationViewSet(viewsets.ReadOnlyModelViewSet):
    """Only applications of the signed-in user's own organisation; any other reference answers 404."""

    lookup_field = "reference"
    lookup_value_regex = "[A-Za-z0-9-]+"

    def get_queryset(self):
        queryset = selectors.application_list_for_applicant(user=self.request.user)
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                Prefetch("events", queryset=ApplicationEvent.objects.order_by("at", "pk"))
            )
        return queryset

    def get_serializer_class(self):
        return ApplicationDetailSerializer if self.action == "retrieve" else ApplicationSerializer
