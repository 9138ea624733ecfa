"""Catalog data for the demo collection: a fictional consortium of small-town libraries and its photos.

Everything here is invented: the institutions, the people, the places and the events. The photos
themselves are drawn by :mod:`photoid.demo.scenes` from each entry's ``scene``, ``seed`` and ``size``;
a person identification's ``figure`` indexes ``figure_boxes()`` for that photo, so its region sits on a face.
Dates are EDTF strings; a photo with ``date=None`` is one the library asks the community to date.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from photoid.contributions.workflow import IdentificationState

__all__ = [
    "DemoInstitution", "DemoCollection", "DemoPerson", "DemoPlace", "DemoEvent", "DemoIdentification", "DemoPhoto",
    "INSTITUTIONS", "COLLECTIONS", "PEOPLE", "PLACES", "EVENTS", "PHOTOS",
]

IdentificationKind = Literal["person", "place", "event", "date", "keyword"]

NO_COPYRIGHT_US = "http://rightsstatements.org/vocab/NoC-US/1.0/"
IN_COPYRIGHT = "http://rightsstatements.org/vocab/InC/1.0/"
COPYRIGHT_NOT_EVALUATED = "http://rightsstatements.org/vocab/CNE/1.0/"


@dataclass(frozen=True)
class DemoInstitution:
    slug: str
    name: str
    description: str
    is_consortium: bool = False
    parent: str | None = None  # slug of the consortium this institution belongs to


@dataclass(frozen=True)
class DemoCollection:
    slug: str
    title: str
    description: str
    institution: str  # institution slug


@dataclass(frozen=True)
class DemoPerson:
    heading: str  # library form: "Surname, Forenames, birth-death"
    dates: str  # EDTF interval of the life dates
    variants: tuple[str, ...] = ()
    description: str = ""
    authority_uri: str | None = None


@dataclass(frozen=True)
class DemoPlace:
    heading: str
    latitude: float
    longitude: float
    variants: tuple[str, ...] = ()
    description: str = ""
    authority_uri: str | None = None  # a GeoNames URI for a real place; the demo's places are fictional


@dataclass(frozen=True)
class DemoEvent:
    heading: str
    date: str  # EDTF
    variants: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class DemoIdentification:
    kind: IdentificationKind
    heading: str | None = None  # a PEOPLE, PLACES or EVENTS heading, or the keyword itself; None for a date
    state: IdentificationState = IdentificationState.APPROVED
    edtf: str | None = None  # only for kind "date"
    figure: int | None = None  # person only: index into figure_boxes(scene, seed=seed, size=size); None = no region


@dataclass(frozen=True)
class DemoPhoto:
    identifier: str  # unique within the institution that holds the collection
    collection: str  # collection slug
    title: str
    description: str
    date: str | None  # EDTF, or None when undated
    creator: str
    rights: str  # a rightsstatements.org URI
    scene: str  # one of scenes.SCENE_KINDS
    seed: int
    size: tuple[int, int]  # width, height in pixels
    identifications: tuple[DemoIdentification, ...] = ()


def _person(heading: str, figure: int | None = None, state: IdentificationState = IdentificationState.APPROVED) -> DemoIdentification:
    return DemoIdentification("person", heading, state, figure=figure)


def _place(heading: str, state: IdentificationState = IdentificationState.APPROVED) -> DemoIdentification:
    return DemoIdentification("place", heading, state)


def _event(heading: str, state: IdentificationState = IdentificationState.APPROVED) -> DemoIdentification:
    return DemoIdentification("event", heading, state)


def _keyword(word: str, state: IdentificationState = IdentificationState.APPROVED) -> DemoIdentification:
    return DemoIdentification("keyword", word, state)


def _date(edtf: str, state: IdentificationState = IdentificationState.PENDING) -> DemoIdentification:
    return DemoIdentification("date", None, state, edtf=edtf)


INSTITUTIONS: tuple[DemoInstitution, ...] = (
    DemoInstitution(
        "rvlc", "Riverside Valley Library Consortium",
        "A consortium of public libraries and historical societies in the Riverside Valley sharing one photo archive.",
        is_consortium=True,
    ),
    DemoInstitution(
        "millbrook", "Millbrook Public Library",
        "The public library of the town of Millbrook; its local history room holds the town's photograph files.",
        parent="rvlc",
    ),
    DemoInstitution(
        "ashford", "Ashford Historical Society",
        "A volunteer-run society collecting the history of the harbour town of Ashford and its fishing fleet.",
        parent="rvlc",
    ),
)

COLLECTIONS: tuple[DemoCollection, ...] = (
    DemoCollection(
        "millbrook-main-street", "Main Street and Downtown Millbrook, 1900–1960",
        "Street scenes, storefronts, parades and civic buildings of downtown Millbrook, mostly from the negatives "
        "of the Lindqvist Studio, given to the library in 1923 and added to by local families since.",
        "millbrook",
    ),
    DemoCollection(
        "millbrook-school-photos", "Millbrook School Photographs",
        "Class pictures, teams, classrooms and outings of the Millbrook public schools, "
        "transferred from the school district's files.",
        "millbrook",
    ),
    DemoCollection(
        "ashford-harbour", "Ashford Harbour and Waterfront",
        "The harbour, the Town Pier, the fishing fleet and the people who worked the Ashford waterfront.",
        "ashford",
    ),
)

PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson("Whitcomb, Harold J., 1881-1954", "1881/1954", ("Harold Whitcomb", "H. J. Whitcomb", "Hal Whitcomb"),
               "Proprietor of Whitcomb's Dry Goods on Main Street, Millbrook, from 1908 to 1946.",
               authority_uri="http://www.wikidata.org/entity/Q4115189"),
    DemoPerson("Müller, Anna, 1902-1988", "1902/1988", ("Anna Muller", "Anna Mueller", "Miss Müller"),
               "Teacher at Millbrook High School from 1926 until her retirement in 1967."),
    DemoPerson("Pratt, Ezra, 1870-1941", "1870/1941", ("Ezra Pratt", "Mayor Pratt"),
               "Mayor of Millbrook 1921–1929; grand marshal of the Centennial Parade.",
               authority_uri="http://www.wikidata.org/entity/Q13406268"),
    DemoPerson("Beaulieu, Marie-Louise, 1895-1979", "1895/1979", ("Marie Beaulieu", "Mrs. Thomas Beaulieu"),
               "Town clerk of Millbrook for thirty years."),
    DemoPerson("Lindqvist, Karl, 1878-1950", "1878/1950", ("Karl Lindquist", "Carl Lindqvist"),
               "Photographer; ran the Lindqvist Studio above the Main Street pharmacy."),
    DemoPerson("Hale, Dorothy, 1928-2015", "1928/2015", ("Dorothy Hale Benson", "Dot Hale"),
               "Member of the Millbrook High School class of 1946."),
    DemoPerson("Reyes, Tomás, 1910-1983", "1910/1983", ("Tomas Reyes", "Tom Reyes"),
               "Fisherman and boat builder of Ashford; skipper of the dragger Mary Ellen."),
    DemoPerson("Okafor, Samuel, 1919-2001", "1919/2001", ("Sam Okafor", "Samuel J. Okafor"),
               "Harbour master of Ashford from 1948 to 1979."),
)

PLACES: tuple[DemoPlace, ...] = (
    DemoPlace("Main Street (Millbrook)", 44.0523, -69.9417, ("Main St., Millbrook", "Millbrook Main Street"),
              "The principal business street of Millbrook, running north from the river bridge."),
    DemoPlace("Millbrook Town Hall (Millbrook)", 44.0531, -69.9402, ("Town Hall, Millbrook", "Old Town Hall"),
              "Town offices and meeting hall, built 1898, on the green at the head of Main Street."),
    DemoPlace("Millbrook High School (Millbrook)", 44.0560, -69.9451, ("Millbrook High", "Elm Street School"),
              "The town's high school on Elm Street, 1911–1968."),
    DemoPlace("Hollis Farm (Millbrook)", 44.0712, -69.9650, ("Hollis Homestead", "Hollis dairy farm"),
              "A dairy farm on the county road north of Millbrook, visited by generations of school classes."),
    DemoPlace("Ashford Harbour (Ashford)", 43.9118, -69.7184, ("Ashford Harbor", "The Harbour, Ashford"),
              "The sheltered harbour of Ashford, home port of the town's fishing fleet."),
    DemoPlace("Town Pier (Ashford)", 43.9125, -69.7170, ("Ashford Town Pier", "Steamboat Wharf"),
              "The public pier at the foot of Water Street, Ashford."),
)

EVENTS: tuple[DemoEvent, ...] = (
    DemoEvent("Millbrook Centennial Parade, 1925", "1925-07-04", ("Centennial Parade", "Fourth of July Parade, 1925"),
              "Parade on Main Street marking the hundredth anniversary of the town's incorporation."),
    DemoEvent("Flood of 1936", "1936-03", ("Great Flood of 1936", "March 1936 flood"),
              "Spring flood of the Riverside River that put lower Main Street under water."),
    DemoEvent("Millbrook High School Graduation, 1946", "1946-06-14", ("Class of 1946 commencement",),
              "Commencement exercises of the Millbrook High School class of 1946, the first after the war."),
)

_MAIN, _SCHOOL, _HARBOUR = "millbrook-main-street", "millbrook-school-photos", "ashford-harbour"
_LINDQVIST, _UNKNOWN = "Lindqvist Studio", "Unknown photographer"

PHOTOS: tuple[DemoPhoto, ...] = (
    # --- Millbrook Public Library: Main Street and downtown -------------------------------------------------
    DemoPhoto("MPL-1923-004", _MAIN, "Main Street looking north",
              "View north along Main Street from the river bridge, with storefronts on both sides and telegraph poles. "
              "A motor car stands in the roadway.",
              "1925", _LINDQVIST, NO_COPYRIGHT_US, "street", 11, (1600, 1200),
              (_place("Main Street (Millbrook)"),)),
    DemoPhoto("MPL-1923-007", _MAIN, "Whitcomb's Dry Goods, interior",
              "Interior of a dry goods store with stocked shelves behind the counter. The proprietor stands at the back.",
              "1935/1938", _LINDQVIST, COPYRIGHT_NOT_EVALUATED, "interior", 303, (1600, 1200),
              (_person("Whitcomb, Harold J., 1881-1954", figure=0),)),
    DemoPhoto("MPL-1925-001", _MAIN, "Centennial Parade on Main Street",
              "Marchers in uniform proceed up Main Street between crowds lining both sidewalks. "
              "A banner is strung across the street.",
              "1925-07-04", _LINDQVIST, NO_COPYRIGHT_US, "parade", 21, (2400, 800),
              (_event("Millbrook Centennial Parade, 1925"), _person("Pratt, Ezra, 1870-1941", figure=45, state=IdentificationState.PENDING))),
    DemoPhoto("MPL-1925-002", _MAIN, "Centennial Parade, crowd on Main Street",
              "Spectators along the curb watch the parade pass. Photographed from an upper window.",
              "1925-07-04", _LINDQVIST, NO_COPYRIGHT_US, "parade", 22, (1600, 1200)),
    DemoPhoto("MPL-1936-011", _MAIN, "Lower Main Street after the flood",
              "Storefronts on lower Main Street, said by the donor to have been taken just after the flood waters receded.",
              "1936", _UNKNOWN, COPYRIGHT_NOT_EVALUATED, "street", 12, (1600, 1200),
              (_event("Flood of 1936", state=IdentificationState.PENDING),)),
    DemoPhoto("MPL-1948-003", _MAIN, "Millbrook Town Hall",
              "Front of the Town Hall with its columned portico and dome, seen across the green.",
              "194X", _UNKNOWN, COPYRIGHT_NOT_EVALUATED, "building", 31, (1200, 1200),
              (_place("Millbrook Town Hall (Millbrook)"),)),
    DemoPhoto("MPL-1952-014", _MAIN, "Town Hall steps, summer 1952",
              "People gathered in front of the Town Hall. Large-format negative.",
              "1952-22", "Valley Camera Shop", IN_COPYRIGHT, "building", 32, (3000, 2000),
              (_place("Millbrook Town Hall (Millbrook)"),
               _person("Beaulieu, Marie-Louise, 1895-1979", figure=1, state=IdentificationState.PENDING),
               # a rival name for the same figure: the page shows both side by side
               _person("Lambert, Marguerite", figure=1, state=IdentificationState.PENDING))),
    DemoPhoto("MPL-1931-009", _MAIN, "Main Street, west side",
              "The west side of Main Street with shop signs; pedestrians on the sidewalk.",
              "1935/1938", _LINDQVIST, COPYRIGHT_NOT_EVALUATED, "street", 13, (1200, 1200)),
    DemoPhoto("MPL-1955-002", _MAIN, "Main Street at midday",
              "Main Street seen from the middle of the roadway, looking towards the river. Large-format negative.",
              "1955~", "Valley Camera Shop", IN_COPYRIGHT, "street", 14, (3000, 2000)),
    DemoPhoto("MPL-1960-001", _MAIN, "Unidentified shop interior",
              "A shop counter with goods on shelves; customers in the foreground. Store and date unknown.",
              None, _UNKNOWN, COPYRIGHT_NOT_EVALUATED, "interior", 301, (1600, 1200)),
    DemoPhoto("MPL-1929-006", _MAIN, "Portrait of a Main Street merchant",
              "Head-and-shoulders studio portrait of a man in a dark suit and tie.",
              "1929", _LINDQVIST, NO_COPYRIGHT_US, "portrait", 100, (900, 1300),
              (_person("Whitcomb, Harold J., 1881-1954", figure=0),)),
    # --- Millbrook Public Library: school photographs -------------------------------------------------------
    DemoPhoto("MPL-1946-021", _SCHOOL, "Millbrook High School, class of 1946",
              "Graduating class posed in three rows before the school's brick wall. A slate in front gives the class year.",
              "1946-06-14", "Valley Camera Shop", IN_COPYRIGHT, "group", 200, (1600, 1200),
              (_person("Hale, Dorothy, 1928-2015", figure=15), _person("Müller, Anna, 1902-1988", figure=17, state=IdentificationState.PENDING))),
    DemoPhoto("MPL-1935-002", _SCHOOL, "Classroom with pupils at their desks",
              "Pupils seated in rows of desks facing the blackboard; the teacher stands at the front of the room.",
              "1935/1938", _UNKNOWN, COPYRIGHT_NOT_EVALUATED, "interior", 300, (1600, 1200),
              (_person("Müller, Anna, 1902-1988", figure=0),)),
    DemoPhoto("MPL-1927-005", _SCHOOL, "High school baseball team",
              "Team in uniform posed in rows with a ball in front.",
              "1927", _LINDQVIST, NO_COPYRIGHT_US, "group", 212, (1600, 1200),
              (_keyword("baseball"),)),
    DemoPhoto("MPL-1939-010", _SCHOOL, "Portrait of a teacher",
              "Studio portrait of a woman with her hair in a bun, wearing a high-collared dress and a brooch.",
              "1945~", _LINDQVIST, COPYRIGHT_NOT_EVALUATED, "portrait", 103, (900, 1300),
              (_person("Müller, Anna, 1902-1988", figure=0),)),
    DemoPhoto("MPL-1950-004", _SCHOOL, "School outing to Hollis Farm",
              "Visitors standing in a ploughed field with the barn and silo behind them.",
              "194X", _UNKNOWN, COPYRIGHT_NOT_EVALUATED, "farm", 58, (1600, 1200),
              (_place("Hollis Farm (Millbrook)"),)),
    DemoPhoto("MPL-1944-008", _SCHOOL, "Barn and silo on a valley farm",
              "A barn with a gable roof and a silo beyond furrowed fields. Large-format negative.",
              "194X", _UNKNOWN, COPYRIGHT_NOT_EVALUATED, "farm", 52, (3000, 2000)),
    DemoPhoto("MPL-1962-001", _SCHOOL, "Class photograph, year unknown",
              "Pupils in two rows in front of a brick school building. Neither the class nor the year is recorded.",
              None, _UNKNOWN, COPYRIGHT_NOT_EVALUATED, "group", 201, (1600, 1200),
              (_date("192X"),)),
    DemoPhoto("MPL-1958-012", _SCHOOL, "Millbrook High School, front entrance",
              "The front of the school with its columned entrance, steps and clock tower.",
              "1952-22", "Valley Camera Shop", IN_COPYRIGHT, "building", 33, (1600, 1200),
              (_place("Millbrook High School (Millbrook)"),)),
    DemoPhoto("MPL-1962-002", _SCHOOL, "Portrait of a young woman",
              "Studio portrait of a young woman in a dark dress with a lace collar. Sitter and date unknown.",
              None, _UNKNOWN, COPYRIGHT_NOT_EVALUATED, "portrait", 106, (900, 1300)),
    # --- Ashford Historical Society: harbour and waterfront ------------------------------------------------
    DemoPhoto("AHS-1978-001", _HARBOUR, "Ashford Harbour from the Town Pier",
              "Panorama of the harbour from the pier, with moored boats and the hills across the water.",
              "1925", _UNKNOWN, NO_COPYRIGHT_US, "harbour", 41, (2400, 800),
              (_place("Ashford Harbour (Ashford)"),)),
    DemoPhoto("AHS-1978-002", _HARBOUR, "Fishing boats at their moorings",
              "Fishing boats at their moorings off the Town Pier, with men standing on the pier.",
              "1935/1938", _UNKNOWN, COPYRIGHT_NOT_EVALUATED, "harbour", 42, (1600, 1200),
              (_keyword("fishing boats"),)),
    DemoPhoto("AHS-1978-015", _HARBOUR, "Couple on the Town Pier",
              "A woman in a dark dress and a man in a light suit and bowler hat on the Town Pier, boats moored behind them.",
              "1945~", _UNKNOWN, COPYRIGHT_NOT_EVALUATED, "harbour", 89, (1600, 1200),
              (_person("Reyes, Tomás, 1910-1983", figure=0),)),
    DemoPhoto("AHS-1981-004", _HARBOUR, "Portrait of a man in a jacket and tie",
              "Head-and-shoulders portrait, said by the donor to show the harbour master.",
              "194X", "Ashford Photo Service", IN_COPYRIGHT, "portrait", 104, (900, 1300),
              (_person("Okafor, Samuel, 1919-2001", figure=0, state=IdentificationState.PENDING),)),
    DemoPhoto("AHS-1981-009", _HARBOUR, "Water Street, Ashford",
              "The waterfront business street of Ashford, looking towards the harbour.",
              "1952-22", "Ashford Photo Service", IN_COPYRIGHT, "street", 15, (1600, 1200)),
    DemoPhoto("AHS-1983-003", _HARBOUR, "Procession on Water Street",
              "A procession passes between crowds on a waterfront street decorated with a banner. Occasion unknown.",
              None, _UNKNOWN, COPYRIGHT_NOT_EVALUATED, "parade", 23, (2400, 800)),
    DemoPhoto("AHS-1983-007", _HARBOUR, "Boats in the harbour",
              "Small print of moored boats and a pier. Found loose in a donated album.",
              None, _UNKNOWN, COPYRIGHT_NOT_EVALUATED, "harbour", 44, (640, 480)),
    DemoPhoto("AHS-1985-002", _HARBOUR, "Ashford Customs House",
              "Columned public building near the waterfront, with a clock tower over the portico.",
              "1935/1938", _UNKNOWN, COPYRIGHT_NOT_EVALUATED, "building", 34, (1200, 1200)),
    DemoPhoto("AHS-1985-010", _HARBOUR, "Ship chandlery counter",
              "Interior of a ship chandler's shop with stock on the shelves and customers at the counter.",
              "1925", _UNKNOWN, NO_COPYRIGHT_US, "interior", 304, (640, 480)),
    DemoPhoto("AHS-1979-006", _HARBOUR, "Crew of the dragger Mary Ellen",
              "The skipper and crew of a fishing boat, with their families, posed in two rows in front of a brick fish-packing shed.",
              "1945~", "Ashford Photo Service", IN_COPYRIGHT, "group", 205, (1600, 1200),
              (_person("Reyes, Tomás, 1910-1983", figure=12),)),
)


@dataclass(frozen=True)
class DemoComment:
    photo: str  # the photo's identifier
    author: str  # an account's email
    body: str
    reply_to: int | None = None  # index of an earlier comment in COMMENTS


COMMENTS: tuple[DemoComment, ...] = (
    DemoComment("MPL-1952-014", "patron@example.org",
                "My mother is on these steps somewhere. The bunting was up for the Town Hall's anniversary that June."),
    DemoComment("MPL-1952-014", "neighbour@example.org",
                "The lady in the hat looks like Mrs Lambert, who ran the bakery on Water Street. Does anyone else remember her?",
                reply_to=0),
    DemoComment("MPL-1946-021", "neighbour@example.org",
                "The school kept a list of every graduating class; it was printed in the Millbrook Courier each July."),
)
