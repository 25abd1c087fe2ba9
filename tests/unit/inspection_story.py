"""The coal inspection of DOMAIN.md for the domain tests: joint sampling of the 3,000 t rail shipment,
the customer's lab at 5,120 kcal/kg, the supplier's at 5,480, CCIC as the agreed third party at 5,210."""

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from domain.actor import Actor, Role
from domain.inspection import Agreement, Inspection, LabKind, Party, Sampling, Witness
from domain.measurement import Measurement
from tests.unit.coal_contract import CHINA, THERMAL_COAL, kcal, percent

SAMPLED_AT = datetime(2026, 3, 14, 10, 0, tzinfo=CHINA)
TESTED_AT = datetime(2026, 3, 16, 15, 0, tzinfo=CHINA)
LATER = datetime(2026, 3, 25, 9, 0, tzinfo=CHINA)
QC = Actor("qc-1", Role.QC_INSPECTOR)
ENGINEER = Actor("engineer-1", Role.ENGINEER)
MANAGER = Actor("manager-1", Role.MANAGER)
CASE_ID = UUID("0b5c8f0e-6d1f-4c57-9b9a-6f1b8c2d3e4f")
SHIPMENT_ID = UUID("7d2a4c1b-3e5f-4a6b-8c9d-0e1f2a3b4c5d")


def joint_sampling(**overrides: Any) -> Sampling:
    arguments: dict[str, Any] = {
        "sampled_by": "Li Ming (supplier) and Zhao Hui (customer)",
        "place": "Huadian Jiangsu power plant, unloading track 3",
        "sampled_at": SAMPLED_AT,
        "method_standard": "GB/T 475",
        "sample_ids": ("S-0815-A", "S-0815-B", "S-0815-C"),
        "seal_numbers": ("SEAL-5501", "SEAL-5502", "SEAL-5503"),
        "witnesses": (
            Witness(Party.SUPPLIER, "Li Ming", "Shanxi Coal Sales Co."),
            Witness(Party.CUSTOMER, "Zhao Hui", "Jiangsu Huadian Power"),
            Witness(Party.CARRIER, "Sun Qiang", "China Railway Taiyuan Group"),
        ),
        "is_joint": True,
    }
    arguments.update(overrides)
    return Sampling(**arguments)


def opened(sampling: Sampling | None = None) -> Inspection:
    return Inspection.open(
        case_id=CASE_ID, shipment_id=SHIPMENT_ID, sampling=sampling or joint_sampling(), by=QC, now=LATER
    )


def coal(qnet: str, **others: str) -> dict[str, Measurement]:
    values = {"Qnet,ar": kcal(qnet), "Mt": percent("10.4"), "Ad": percent("18.6"), "St,d": percent("0.85")}
    values.update({name: percent(value) for name, value in others.items()})
    return values


def record(
    inspection: Inspection,
    kind: LabKind,
    qnet: str,
    lab: str = "",
    agency: str | None = None,
    report: UUID | None = None,
    tested_at: datetime = TESTED_AT,
) -> UUID:
    return inspection.record_result(
        lab=lab
        or {LabKind.SUPPLIER_QC: "Shanxi Coal QC lab", LabKind.CUSTOMER_LAB: "Huadian lab"}.get(
            kind, "CCIC Jiangsu laboratory"
        ),
        lab_kind=kind,
        agency=agency,
        values=coal(qnet),
        tested_at=tested_at,
        report_attachment_id=report,
        specification=THERMAL_COAL,
        by=QC,
        now=LATER,
    )


def agreements(at: datetime = LATER) -> tuple[Agreement, Agreement]:
    return (
        Agreement(Party.SUPPLIER, "Chen Jun", at),
        Agreement(Party.CUSTOMER, "Zhou Lan", at),
    )


def disputed_and_appointed(agency: str = "CCIC") -> Inspection:
    """Both labs reported 380 kcal/kg apart, a re-inspection is requested, the agency appointed."""
    inspection = opened()
    record(inspection, LabKind.CUSTOMER_LAB, "5120", report=uuid4())
    record(inspection, LabKind.SUPPLIER_QC, "5480")
    inspection.request_reinspection(THERMAL_COAL, "380 kcal/kg apart", ENGINEER, LATER)
    inspection.appoint_agency(agency, *agreements(), by=MANAGER, now=LATER)
    return inspection
