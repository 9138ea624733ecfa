"""JSON endpoints for regions and identifications, in W3C Web Annotation JSON (docs/api.md).

The same rules as the forms: sign-in for writes, CSRF (the ``X-CSRFToken`` header), the
identify form's rate limit, suspended accounts refused. Errors are ``{"error": ..., "status": ...}``.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from photoid.accounts.models import User
from photoid.accounts.session_owner import remember_account_at_sign_in, suspended_owner
from photoid.contributions import service
from photoid.contributions.annotations import ANNO_CONTEXT, MEDIA_TYPE, parse_annotation, to_annotation
from photoid.contributions.models import Identification
from photoid.contributions.routes import address_limit, identification_limit
from photoid.contributions.visibility import seen_identification
from photoid.contributions.workflow import InvalidTransition, NotAllowed
from photoid.errors import MESSAGES
from photoid.extensions import retry_message
from photoid.photos import queries
from photoid.photos.public import image_service_id, visible_photo

bp = Blueprint("annotations_api", __name__, url_prefix="/api")
bp.record_once(lambda state: remember_account_at_sign_in(state.app))

#: An annotation is a few hundred bytes; evidence is at most 2,000 characters.
MAX_BODY_BYTES = 64 * 1024


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _error(status: int, message: str) -> tuple[Response, int]:
    return jsonify({"error": message, "status": status}), status


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> tuple[Response, int]:
    return _error(error.status, error.message)


@bp.errorhandler(CSRFError)
def _csrf_error(_exception: CSRFError) -> tuple[Response, int]:
    return _error(400, "Your session expired or the request came from another site. Please reload the page and try again.")


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> tuple[Response, int]:
    code = error.code or 500
    if code >= 500:
        return _error(code, "Something went wrong on our side. Please try again later.")
    if code == 429:
        return _error(code, retry_message())  # when to try again, in words
    return _error(code, MESSAGES.get(code, "That did not work."))


def _writer() -> User:
    """The signed-in, active account, or a 401/403 JSON error (never a redirect to the sign-in page)."""
    user = current_user._get_current_object()
    if isinstance(user, User) and not user.is_active:  # Flask-Login counts a suspended account as signed out
        raise ApiError(403, "Your account cannot contribute at the moment.")
    if not current_user.is_authenticated:
        if suspended_owner() is not None:  # suspending ended the session; it is still their browser
            raise ApiError(403, "Your account cannot contribute at the moment.")
        raise ApiError(401, "Please sign in to add or change identifications.")
    return user  # type: ignore[no-any-return]


def _visible_identification(identification_id: int) -> Identification:
    """The identification if the visitor may see it (contributions/visibility.py); a JSON 404 otherwise."""
    found = seen_identification(identification_id, current_user)
    if found is None:
        raise ApiError(404, "We could not find that identification.")
    return found


def _annotation(identification: Identification, votes: dict[int, dict[str, int]] | None = None) -> dict[str, Any]:
    return to_annotation(
        identification,
        annotation_id=url_for("annotations_api.annotation", identification_id=identification.id, _external=True),
        image_id=image_service_id(identification.photo_id),
        votes=(votes or queries.vote_counts([identification.id])).get(identification.id),
    )


def _linked_data(document: dict[str, Any], status: int = 200) -> Response:
    """JSON-LD with the annotation profile, or plain JSON for a client that asks for it."""
    response = jsonify(document)
    response.status_code = status
    if request.accept_mimetypes.best_match([MEDIA_TYPE.split(";")[0], "application/json"]) != "application/json":
        response.headers["Content-Type"] = MEDIA_TYPE
    response.headers["Vary"] = "Accept, Cookie"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/photos/<int:photo_id>/annotations", methods=["GET"])
def photo_annotations(photo_id: int) -> Response:
    """Every identification a visitor may see on the photo, as one AnnotationPage."""
    photo = visible_photo(photo_id)
    facts = queries.visible_facts(photo, current_user)
    votes = queries.vote_counts([f.id for f in facts])
    return _linked_data({
        "@context": ANNO_CONTEXT,
        "id": url_for("annotations_api.photo_annotations", photo_id=photo.id, _external=True),
        "type": "AnnotationPage",
        "items": [_annotation(f, votes) for f in facts],
    })


@bp.route("/photos/<int:photo_id>/annotations", methods=["POST"])
@identification_limit
@address_limit
def create_annotation(photo_id: int) -> Response:
    """A pending identification from a posted annotation: 201 with Location and the annotation."""
    contributor = _writer()
    photo = visible_photo(photo_id)
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise ApiError(413, "That annotation is too large. Please shorten your note.")
    request.max_content_length = MAX_BODY_BYTES  # also for a body sent without a length
    document = request.get_json(force=True, silent=True)
    try:
        parsed = parse_annotation(document, width=photo.width, height=photo.height)
        identification = service.identify(photo=photo, contributor=contributor, **parsed.identify_arguments())
    except service.ContributionError as error:
        raise ApiError(400, str(error)) from error
    response = _linked_data(_annotation(identification), status=201)
    response.headers["Location"] = url_for("annotations_api.annotation", identification_id=identification.id, _external=True)
    return response


@bp.route("/annotations/<int:identification_id>", methods=["GET"])
def annotation(identification_id: int) -> Response:
    return _linked_data(_annotation(_visible_identification(identification_id)))


@bp.route("/annotations/<int:identification_id>", methods=["DELETE"])
def withdraw_annotation(identification_id: int) -> Response:
    """The contributor withdraws their pending identification; it stays on record as withdrawn. 204."""
    actor = _writer()
    identification = _visible_identification(identification_id)
    try:
        service.withdraw(identification=identification, actor=actor)
    except NotAllowed as error:
        raise ApiError(403, str(error)) from error
    except InvalidTransition as error:
        state = identification.state.replace("_", " ")
        raise ApiError(409, f"This identification is {state}; only one still waiting for review can be withdrawn.") from error
    return Response(status=204)
