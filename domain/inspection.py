"""An inspection: one round of sampling and testing for a case's shipment, and what its results decide.

The stream starts with the sampling record (who sampled, where, when, by which standard, the sample ids
and seals, the witnesses of each party, joint or one-sided); lab results follow, each from one lab of one
kind (the supplier's QC, the customer's lab, or the third-party agency both parties appointed). A mistyped
result is never changed: a correction is a new event that names the result it corrects and supersedes it.

Public methods are commands that check the rule; private `@event` methods only record. The business
times are `sampled_at`, `tested_at` and each party's `agreed_at`; every event's `occurred_at` is when it
was recorded, as for shipments. Names of people (samplers, witnesses, who agreed) are personal data:
they stay in the events and the aggregate, never in logs or read-model summaries.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from datetime import datetime, timedelta
from enum import Enum
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor
from domain.errors import DomainError, InvalidValue, require_text
from domain.measurement import Measurement
from domain.specification import LabResult, QualitySpecification, disputed_parameters

# The same allowance shipments give fast clocks: nobody samples, tests or agrees in the future.
CLOCK_SKEW_ALLOWANCE = timedelta(minutes=5)


class InspectionRuleViolation(DomainError):
    """A command conflicts with what the inspection has recorded so far."""


class Party(Enum):
    SUPPLIER = "supplier"
    CUSTOMER = "customer"
    CARRIER = "carrier"
    THIRD_PARTY = "third_party"


class LabKind(Enum):
    SUPPLIER_QC = "supplier_qc"
    CUSTOMER_LAB = "customer_lab"
    THIRD_PARTY_AGENCY = "third_party_agency"


@dataclass(frozen=True)
class Witness:
    """Someone who watched the sampling for a party; `name` is personal data."""

    party: Party
    name: str
    organisation: str
    subject_id: UUID = dataclass_field(default_factory=uuid4)  # the data subject whose key seals `name`


@dataclass(frozen=True)
class Sampling:
    """How the samples were taken. Joint: both parties sampled together, each with a witness. One-sided:
    `sampling_party` sampled, and `other_party_consented` says whether the other side agreed to that."""

    sampled_by: str  # the person or team who took the samples: personal data
    place: str
    sampled_at: datetime
    method_standard: str
    sample_ids: tuple[str, ...]
    seal_numbers: tuple[str, ...]
    witnesses: tuple[Witness, ...]
    is_joint: bool
    sampling_party: Party | None = None
    other_party_consented: bool | None = None
    # The data subject whose key seals `sampled_by`.
    sampler_subject_id: UUID = dataclass_field(default_factory=uuid4)

    def check(self, now: datetime) -> None:
        for text, field in (
            (self.sampled_by, "sampled_by"),
            (self.place, "place"),
            (self.method_standard, "method_standard"),
        ):
            require_text(text, f"sampling.{field}", f"{field} must not be empty")
        _require_moment(self.sampled_at, "sampling.sampled_at", now)
        _require_labels(self.sample_ids, "sampling.sample_ids", "sample id")
        # A sample nobody sealed cannot serve as the retained or the arbitration sample.
        _require_labels(self.seal_numbers, "sampling.seal_numbers", "seal number")
        for n, witness in enumerate(self.witnesses):
            require_text(witness.name, f"sampling.witnesses.{n}.name", "name the witness")
            require_text(
                witness.organisation, f"sampling.witnesses.{n}.organisation", "name their organisation"
            )
        if self.is_joint:
            self._check_joint()
        else:
            self._check_one_sided()

    def _check_joint(self) -> None:
        parties = {witness.party for witness in self.witnesses}
        if not {Party.SUPPLIER, Party.CUSTOMER} <= parties:
            raise InvalidValue(
                "joint sampling needs a witness of the supplier and one of the customer", "sampling.witnesses"
            )
        if self.sampling_party is not None or self.other_party_consented is not None:
            raise InvalidValue(
                "joint sampling has no sampling party and no consent: both parties sampled",
                "sampling.sampling_party"
                if self.sampling_party is not None
                else "sampling.other_party_consented",
            )

    def _check_one_sided(self) -> None:
        if self.sampling_party not in (Party.SUPPLIER, Party.CUSTOMER):
            raise InvalidValue(
                "one-sided sampling names the party that sampled: supplier or customer",
                "sampling.sampling_party",
            )
        if self.other_party_consented is None:
            raise InvalidValue(
                "one-sided sampling records whether the other party consented",
                "sampling.other_party_consented",
            )


@dataclass(frozen=True)
class Agreement:
    """One party's agreement to the appointed agency: who agreed for it (personal data), and when."""

    party: Party
    agreed_by: str
    agreed_at: datetime
    subject_id: UUID = dataclass_field(default_factory=uuid4)  # the data subject whose key seals `agreed_by`


@dataclass(frozen=True)
class RecordedResult:
    """A lab result as the inspection holds it; `superseded_by` names the correction that replaced it."""

    id: UUID
    lab: str
    lab_kind: LabKind
    agency: str | None
    # A plain dict, as the repository's cache deep-copies aggregates (a mappingproxy cannot be copied);
    # nothing outside the aggregate's event methods writes it.
    values: dict[str, Measurement]
    tested_at: datetime
    report_attachment_id: UUID | None
    recorded_by: Actor
    recorded_at: datetime
    corrects: UUID | None = None
    correction_reason: str | None = None
    superseded_by: UUID | None = None

    @property
    def is_current(self) -> bool:
        return self.superseded_by is None

    def as_lab_result(self) -> LabResult:
        """The result as the specification's policies take it; the result's id stands for the inspection."""
        return LabResult(str(self.id), self.lab, self.values)


class Inspection(Aggregate):
    """One sampling and testing round of one shipment, for one case."""

    @classmethod
    def open(
        cls, *, case_id: UUID, shipment_id: UUID, sampling: Sampling, by: Actor, now: datetime
    ) -> "Inspection":
        sampling.check(now)
        return cls(case_id=case_id, shipment_id=shipment_id, sampling=sampling, actor=by, occurred_at=now)

    @event("SamplingRecorded")
    def __init__(
        self, case_id: UUID, shipment_id: UUID, sampling: Sampling, actor: Actor, occurred_at: datetime
    ) -> None:
        self.case_id = case_id
        self.shipment_id = shipment_id
        self.sampling = sampling
        self.opened_by = actor
        self.opened_at = occurred_at
        self.results: dict[UUID, RecordedResult] = {}
        self.disputed: tuple[str, ...] = ()
        self.reinspection_requested_at: datetime | None = None
        self.agency: str | None = None
        self.agreements: tuple[Agreement, ...] = ()

    # -- lab results --------------------------------------------------------------------------

    def record_result(
        self,
        *,
        lab: str,
        lab_kind: LabKind,
        agency: str | None,
        values: Mapping[str, Measurement],
        tested_at: datetime,
        report_attachment_id: UUID | None,
        specification: QualitySpecification,
        by: Actor,
        now: datetime,
    ) -> UUID:
        """Record one lab's result; returns its id. One current result per lab kind: a changed figure is a
        correction of that result, not a second result."""
        require_text(lab, "lab", "name the lab")
        _require_moment(tested_at, "tested_at", now)
        if tested_at < self.sampling.sampled_at:
            raise InspectionRuleViolation(
                "a sample is tested after it is taken: tested_at is before the sampling", "tested_at"
            )
        _check_values(values, specification)
        agency = self._check_lab_kind(lab_kind, agency)
        if self.current_result(lab_kind) is not None:
            raise InspectionRuleViolation(
                f"the inspection has a {lab_kind.value} result already; correct it instead", "lab_kind"
            )
        result_id = uuid4()
        self._result_recorded(
            result_id=result_id,
            lab=lab,
            lab_kind=lab_kind,
            agency=agency,
            values=dict(values),
            tested_at=tested_at,
            report_attachment_id=report_attachment_id,
            actor=by,
            occurred_at=now,
        )
        return result_id

    def correct_result(
        self,
        *,
        result_id: UUID,
        values: Mapping[str, Measurement],
        reason: str,
        specification: QualitySpecification,
        by: Actor,
        now: datetime,
    ) -> UUID:
        """Supersede a current result by a correction of some of its values; returns the correction's id."""
        corrected = self.results.get(result_id)
        if corrected is None:
            raise ResultNotFound(f"the inspection has no result {result_id}", "result_id")
        if not corrected.is_current:
            raise InspectionRuleViolation(
                f"result {result_id} is corrected already, by {corrected.superseded_by}: correct that one",
                "result_id",
            )
        require_text(reason, "reason", "say why the result is corrected")
        _check_values(values, specification)
        if all(corrected.values.get(name) == value for name, value in values.items()):
            raise InvalidValue("the correction changes no value", "values")
        correction_id = uuid4()
        self._result_corrected(
            result_id=result_id,
            correction_id=correction_id,
            values=dict(values),
            reason=reason,
            actor=by,
            occurred_at=now,
        )
        return correction_id

    @event("LabResultRecorded")
    def _result_recorded(
        self,
        result_id: UUID,
        lab: str,
        lab_kind: LabKind,
        agency: str | None,
        values: dict[str, Measurement],
        tested_at: datetime,
        report_attachment_id: UUID | None,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.results[result_id] = RecordedResult(
            result_id,
            lab,
            lab_kind,
            agency,
            dict(values),
            tested_at,
            report_attachment_id,
            actor,
            occurred_at,
        )

    @event("LabResultCorrected")
    def _result_corrected(
        self,
        result_id: UUID,
        correction_id: UUID,
        values: dict[str, Measurement],
        reason: str,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        corrected = self.results[result_id]
        self.results[result_id] = replace(corrected, superseded_by=correction_id)
        self.results[correction_id] = replace(
            corrected,
            id=correction_id,
            values={**corrected.values, **values},
            recorded_by=actor,
            recorded_at=occurred_at,
            corrects=result_id,
            correction_reason=reason,
        )

    # -- the third-party re-inspection ----------------------------------------------------------

    def request_reinspection(
        self, specification: QualitySpecification, reason: str, by: Actor, now: datetime
    ) -> None:
        """Ask for a third-party re-inspection of the parameters the two labs disagree on; the event
        names them, as derived from the current results, so the request says what the agency settles."""
        disputed = self.disputed_parameters(specification)
        require_text(reason, "reason", "say why the re-inspection is requested")
        if self.reinspection_requested_at is not None:
            raise InspectionRuleViolation("a re-inspection is requested already", "reinspection")
        if not disputed:
            raise InspectionRuleViolation(
                "the supplier's and the customer's labs agree within the reproducibility (or one has not "
                "reported): there is nothing for a third party to settle",
                "reinspection",
            )
        self._reinspection_requested(disputed=list(disputed), reason=reason, actor=by, occurred_at=now)

    @event("ReinspectionRequested")
    def _reinspection_requested(
        self, disputed: list[str], reason: str, actor: Actor, occurred_at: datetime
    ) -> None:
        self.disputed = tuple(disputed)
        self.reinspection_requested_at = occurred_at

    def appoint_agency(
        self, agency: str, supplier: Agreement, customer: Agreement, by: Actor, now: datetime
    ) -> None:
        """Appoint the third-party agency both parties agreed to; its result becomes the basis."""
        if self.reinspection_requested_at is None:
            raise InspectionRuleViolation("an agency is appointed for a requested re-inspection", "agency")
        if self.agency is not None:
            raise InspectionRuleViolation(f"{self.agency} is appointed already", "agency")
        require_text(agency, "agency", "name the agency, e.g. CCIC")
        for agreement, party in ((supplier, Party.SUPPLIER), (customer, Party.CUSTOMER)):
            field = f"{party.value}_agreement"
            if agreement.party is not party:
                raise InvalidValue(f"the {party.value}'s agreement must be the {party.value}'s", field)
            require_text(agreement.agreed_by, f"{field}.agreed_by", "name who agreed for the party")
            _require_moment(agreement.agreed_at, f"{field}.agreed_at", now)
        self._agency_appointed(agency=agency, agreements=[supplier, customer], actor=by, occurred_at=now)

    @event("AgencyAppointed")
    def _agency_appointed(
        self, agency: str, agreements: list[Agreement], actor: Actor, occurred_at: datetime
    ) -> None:
        self.agency = agency
        self.agreements = tuple(agreements)

    # -- what the inspection holds ----------------------------------------------------------------

    def current_results(self) -> tuple[RecordedResult, ...]:
        """The results with every correction applied, in the order first recorded."""
        return tuple(result for result in self.results.values() if result.is_current)

    def current_result(self, kind: LabKind) -> RecordedResult | None:
        return next((r for r in self.current_results() if r.lab_kind is kind), None)

    def disputed_parameters(self, specification: QualitySpecification) -> tuple[str, ...]:
        """What the supplier's and the customer's current results disagree on; () until both reported."""
        supplier = self.current_result(LabKind.SUPPLIER_QC)
        customer = self.current_result(LabKind.CUSTOMER_LAB)
        if supplier is None or customer is None:
            return ()
        return disputed_parameters(supplier.as_lab_result(), customer.as_lab_result(), specification)

    def _check_lab_kind(self, kind: LabKind, agency: str | None) -> str | None:
        if kind is not LabKind.THIRD_PARTY_AGENCY:
            if agency is not None:
                raise InvalidValue("only a third-party agency's result names an agency", "agency")
            return None
        if self.agency is None:
            raise InspectionRuleViolation(
                "a third-party result is accepted once both parties have appointed the agency", "lab_kind"
            )
        if agency is None or _key(agency) != _key(self.agency):
            raise InspectionRuleViolation(
                f"the third-party result must come from the appointed agency, {self.agency}", "agency"
            )
        return agency


class ResultNotFound(DomainError):
    """The inspection has no lab result with this id."""


def _check_values(values: Mapping[str, Measurement], spec: QualitySpecification) -> None:
    """At least one value; a specified parameter in the specification's unit, so comparing never fails.
    Labs report more than a contract specifies (e.g. Had), in any unit."""
    if not values:
        raise InvalidValue("a result reports at least one parameter", "values")
    for name, value in values.items():
        require_text(name, "values", "name every parameter")
        if name in spec.names:
            spec.parameter(name).require_unit(value, f"values.{name}")


def _key(name: str) -> str:
    return " ".join(name.split()).upper()


def _require_labels(labels: tuple[str, ...], field: str, what: str) -> None:
    if not labels:
        raise InvalidValue(f"give at least one {what}", field)
    if any(not label.strip() for label in labels):
        raise InvalidValue(f"a {what} must not be empty", field)
    if len(set(labels)) != len(labels):
        raise InvalidValue(f"a {what} is given twice", field)


def _require_moment(moment: datetime, field: str, now: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidValue(f"{field} must carry its time zone", field)
    if moment > now + CLOCK_SKEW_ALLOWANCE:
        raise InvalidValue(f"{field} lies in the future", field)
