"""Face assistance (issue #24): faces found on photos, and who they may be.

Off by default for each institution: ``Institution.faces_detection_enabled`` turns on detection,
``faces_matching_enabled`` the encodings and suggestions, ``faces_patrons_see_matches`` whether
patrons see the suggestions too. Nothing is ever approved by the machine; a person decides.

- ``models.py``: ``Face``, a detected face's box, confidence and (with matching on) its encoding.
- ``detection.py``: finding faces on a photo's display image (dlib with face_recognition_models).
- ``matching.py``: the candidates for a face among approved person identifications.
- ``queries.py``: the faces of a photo, and those no identification covers.
- ``service.py``: enabling, disabling and purging an institution's face data.
"""
