"""The caller: who they are, their memberships, their token."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from api.serializers.reference import UnitBriefSerializer
from notifications.models import NotificationPreference
from tracker.models import Membership
from tracker.permissions import is_admin


class MembershipSerializer(serializers.ModelSerializer):
    unit = UnitBriefSerializer()

    class Meta:
        model = Membership
        fields = ["unit", "role"]


class MeSerializer(serializers.Serializer):
    """The caller, their memberships (a role in a unit) and the roles they hold anywhere."""

    id = serializers.IntegerField(source="pk")
    username = serializers.CharField(source="get_username")
    full_name = serializers.CharField(source="get_full_name")
    email = serializers.CharField()
    is_admin = serializers.SerializerMethodField()
    memberships = MembershipSerializer(many=True)
    roles = serializers.SerializerMethodField()

    def get_is_admin(self, user: Any) -> bool:
        return is_admin(user)

    def get_roles(self, user: Any) -> list[str]:
        return sorted({m.role for m in user.memberships.all()})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class PreferenceSerializer(serializers.ModelSerializer):
    """How the caller is told: the language of their messages and the channels besides the inbox."""

    class Meta:
        model = NotificationPreference
        fields = ["language", "email", "sms", "phone"]
        read_only_fields = fields
