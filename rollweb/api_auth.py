"""API sign-up and sign-in: a device token per phone, sent as `Authorization: Token …`."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .api import AuthRateThrottle, LoginRateThrottle, errors
from .forms import SignupForm
from .models import ApiToken
from .tokens import token_issue, token_revoke, tokens_of

TAGS = ["auth"]


# -- serializers -----------------------------------------------------------------------------


class DeviceNameField(serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            required=False, allow_blank=True, max_length=100, default="",
            help_text="What the person will recognise the device by, e.g. “Anna's phone”.", **kwargs,
        )


class NewTokenSerializer(serializers.ModelSerializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`. Shown only this once.")

    class Meta:
        model = ApiToken
        fields = ["id", "token", "device_name", "created_at"]


class DeviceSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField(help_text="Whether this request was made with this token.")

    class Meta:
        model = ApiToken
        fields = ["id", "device_name", "created_at", "last_used_at", "current"]

    def get_current(self, token) -> bool:
        return token == self.context["request"].auth


class RegisterSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]+$", max_length=150)
    password = serializers.CharField(
        min_length=8, max_length=4096, write_only=True, style={"input_type": "password"},
        help_text="At least 8 characters, not common, not all digits, not like the username.",
    )
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    device_name = DeviceNameField()

    def validate(self, attrs):
        # The same rules as the sign-up page: one form decides what a valid account is.
        form = SignupForm(
            data={
                "username": attrs["username"],
                "email": attrs["email"],
                "password1": attrs["password"],
                "password2": attrs["password"],
            }
        )
        if not form.is_valid():
            renamed = {"password1": "password", "password2": "password", "__all__": "non_field_errors"}
            problems = {}
            for field, messages in form.errors.items():
                problems.setdefault(renamed.get(field, field), []).extend(messages)
            raise serializers.ValidationError(problems)
        attrs["form"] = form
        return attrs


class AccountSerializer(serializers.Serializer):
    username = serializers.CharField()
    email = serializers.EmailField(allow_blank=True)
    token = NewTokenSerializer()


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, write_only=True, style={"input_type": "password"})
    device_name = DeviceNameField()


def _new_token(user, device_name):
    token, key = token_issue(user, device_name)
    token.token = key
    return token


# -- views -----------------------------------------------------------------------------------


class RegisterView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthRateThrottle]

    @extend_schema(
        tags=TAGS,
        operation_id="auth_register",
        summary="Create an account and a token for this device",
        description="Nothing is switched on for a new account: grant consent next (`/api/v1/consent/`).",
        request=RegisterSerializer,
        responses={201: AccountSerializer, **errors(400, 429)},
        auth=[],
    )
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["form"].save()
        token = _new_token(user, serializer.validated_data["device_name"])
        body = AccountSerializer({"username": user.username, "email": user.email, "token": token}).data
        return Response(body, status=status.HTTP_201_CREATED)


class TokenCreateView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthRateThrottle, LoginRateThrottle]

    @extend_schema(
        tags=TAGS,
        operation_id="auth_token_create",
        summary="Exchange a username and password for a new device token",
        description="Each call signs in one more device; list and revoke them at `/api/v1/auth/tokens/`.",
        request=CredentialsSerializer,
        responses={
            201: NewTokenSerializer,
            **errors(400, 429, status_400="A field is missing, or the username and password do not match."),
        },
        auth=[],
    )
    def post(self, request):
        serializer = CredentialsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None:
            raise exceptions.ValidationError({"detail": "The username and password do not match an account."})
        token = _new_token(user, data["device_name"])
        return Response(NewTokenSerializer(token).data, status=status.HTTP_201_CREATED)


class TokenListView(generics.ListAPIView):
    serializer_class = DeviceSerializer

    def get_queryset(self):
        return tokens_of(self.request.user)

    @extend_schema(
        tags=TAGS,
        operation_id="auth_tokens_list",
        summary="The devices signed in to this account",
        responses={200: DeviceSerializer(many=True), **errors(400, 401)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class TokenRevokeView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="auth_tokens_revoke",
        summary="Sign a device out (its token stops working at once)",
        description="Revoking the token of this request signs this device out.",
        request=None,
        responses={204: None, **errors(401, 404)},
    )
    def delete(self, request, pk):
        if not token_revoke(request.user, pk):
            raise exceptions.NotFound("No such device token among yours.")
        return Response(status=status.HTTP_204_NO_CONTENT)
