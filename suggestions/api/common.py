"""What the API's modules share: file answers, query parameters and the schema's common parts."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework.views import APIView

FILE_RESPONSES = {
    302: OpenApiResponse(description="On S3 storage: a redirect to a signed URL that expires within minutes."),
}


# For actions whose path says everything: any body is ignored.
NO_BODY = {"application/json": {"type": "object", "description": "No fields: send {} or nothing."}}


def _binary(types, description):
    return {(200, mime): OpenApiResponse(OpenApiTypes.BINARY, description=description) for mime in types}


def _query(serializer_class, request):
    """Validated query parameters (400 with field errors when they are not)."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class FileView(APIView):
    # Bytes (or a redirect) whatever the client's Accept header asks for: no 406.
    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)
