"""Contacts (people) and organizations, with their e-mail addresses, phone numbers and tags.

Every row belongs to a team; access follows team membership (`parley.accounts.access`).
E-mail addresses are unique per team so that an address identifies exactly one contact;
phone numbers are stored in E.164 and indexed, because inbound mail and calls are matched on
them (`parley.contacts.matching`). Writes go through `parley.contacts.services`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, override

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parley.accounts.access import team_ids_for_user

if TYPE_CHECKING:
    from collections.abc import Iterable

    from parley.accounts.access import AnyUser
    from parley.accounts.models import User


class Stage(models.TextChoices):
    """The stages a team starts with; each team edits its own list (`ChoiceOption`)."""

    LEAD = "lead", _("Lead")
    PROSPECT = "prospect", _("Prospect")
    CUSTOMER = "customer", _("Customer")
    PARTNER = "partner", _("Partner")
    OTHER = "other", _("Other")


class ChoiceKind(models.TextChoices):
    """The configurable lists of a team (Settings → Lists)."""

    STAGE = "stage", _("Stage")
    POSITION = "position", _("Position")
    SOURCE = "source", _("Acquisition source")
    ACCOUNT_TYPE = "account_type", _("Account type")
    LEAD_STATUS = "lead_status", _("Lead status")


class ChoiceOption(models.Model):
    """One entry of a team's configurable list.

    Records store the `key`, which never changes once created, so renaming the label is
    free; an entry no longer wanted is deactivated rather than deleted, so old records still
    show a label. A team without rows for a kind uses the built-in defaults
    (`parley.contacts.choices.DEFAULTS`).
    """

    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("list"), max_length=16, choices=ChoiceKind.choices)
    key = models.CharField(_("key"), max_length=100)
    label = models.CharField(_("label"), max_length=100)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ("team", "kind", "order", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "kind", "key"], name="contacts_choice_team_kind_key"
            ),
        ]
        verbose_name = _("list entry")
        verbose_name_plural = _("list entries")

    @override
    def __str__(self) -> str:
        return self.label


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    MULTI_CHOICE = "multi_choice", _("Multiple choice")


class FieldTarget(models.TextChoices):
    CONTACT = "contact", _("Contacts")
    ORGANIZATION = "organization", _("Organizations")


class CustomField(models.Model):
    """A team's own field on contacts or organizations (Settings → Custom fields).

    Values live in the record's `custom` JSON column under `key`, checked by
    `parley.contacts.custom_fields.clean_custom_values`: text and choice values are strings,
    numbers are JSON numbers, dates ISO strings, multiple choices lists of strings.
    """

    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    target = models.CharField(_("applies to"), max_length=16, choices=FieldTarget.choices)
    key = models.SlugField(_("key"), max_length=50)
    label = models.CharField(_("label"), max_length=100)
    field_type = models.CharField(_("type"), max_length=16, choices=FieldType.choices)
    options = models.JSONField(_("options"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ("team", "target", "order", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "target", "key"], name="contacts_customfield_key"
            ),
        ]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")

    @override
    def __str__(self) -> str:
        return self.label


class PhoneKind(models.TextChoices):
    MOBILE = "mobile", _("Mobile")
    LANDLINE = "landline", _("Landline")
    WORK = "work", _("Work")
    MAIN = "main", _("Main")
    HOME_FAX = "home_fax", _("Home fax")
    OFFICE_FAX = "office_fax", _("Office fax")
    OTHER = "other", _("Other")


class Tag(models.Model):
    """A label shared by a team's contacts and organizations (segments, "VIP", ...)."""

    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        ordering = ("name",)
        constraints = [
            models.UniqueConstraint("team", Lower("name"), name="contacts_tag_team_name"),
        ]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    @override
    def __str__(self) -> str:
        return self.name


class AddressFields(models.Model):
    """A postal address, embedded in contacts and organizations."""

    address_line1 = models.CharField(_("address line 1"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True)

    class Meta:
        abstract = True

    @property
    def address_lines(self) -> list[str]:
        """The address as printed on an envelope, without empty lines."""
        city_line = " ".join(part for part in (self.postal_code, self.city) if part)
        lines = [self.address_line1, self.address_line2, city_line, self.region, self.country]
        return [line for line in lines if line]


class OrganizationQuerySet(models.QuerySet["Organization"]):
    def for_teams(self, team_ids: Iterable[int]) -> OrganizationQuerySet:
        return self.filter(team_id__in=list(team_ids))

    def visible_to(self, user: AnyUser) -> OrganizationQuerySet:
        """Organizations `user` may read (account roles apply: `parley.contacts.access`)."""
        from parley.contacts.access import account_scope

        scope = account_scope(user)
        if not scope.limited:
            return self.for_teams(scope.full_read)
        return self.filter(pk__in=Organization.objects.filter(scope.condition()).values("pk"))

    def managed_by(self, user: User) -> OrganizationQuerySet:
        return self.filter(managers__pk=user.pk)


class Organization(AddressFields):
    """A company or institution; a contact belongs to at most one."""

    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, related_name="organizations"
    )
    name = models.CharField(_("name"), max_length=200)
    # Polish NIP: ten digits, stored without separators; validated with its checksum.
    tax_id = models.CharField(_("tax id (NIP)"), max_length=10, blank=True)
    account_type = models.CharField(_("account type"), max_length=100, default="customer")
    note = models.TextField(_("note"), blank=True)
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    # Locked records are read-only for everyone but team admins (LV2).
    is_locked = models.BooleanField(_("locked"), default=False)
    tags = models.ManyToManyField(Tag, blank=True, related_name="organizations")
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="managed_organizations"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[OrganizationQuerySet] = OrganizationQuerySet.as_manager()  # type: ignore[assignment]  # as_manager() returns a manager typed loosely by django-stubs

    class Meta:
        ordering = ("name", "pk")
        indexes = [
            models.Index(fields=["team", "name"], name="contacts_org_team_name"),
            models.Index(fields=["team", "tax_id"], name="contacts_org_team_taxid"),
        ]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    @override
    def __str__(self) -> str:
        return self.name


class OrganizationDomain(models.Model):
    """A mail domain of an organization (lower case), unique within a team."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="domains")
    # Copied from the organization so the uniqueness rule can be a database constraint.
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    domain = models.CharField(_("domain"), max_length=253)

    class Meta:
        ordering = ("domain",)
        constraints = [
            models.UniqueConstraint(fields=["team", "domain"], name="contacts_orgdomain_unique"),
        ]

    @override
    def __str__(self) -> str:
        return self.domain


class OrganizationEmail(models.Model):
    """A general e-mail address of an organization (office@, invoices@), lower-cased.

    Unlike a contact's address it is not unique in the team and does not file mail: it is
    the organization's own contact detail."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="emails")
    address = models.CharField(_("e-mail address"), max_length=254)

    class Meta:
        ordering = ("pk",)
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "address"], name="contacts_orgemail_unique"
            ),
        ]
        verbose_name = _("e-mail address")
        verbose_name_plural = _("e-mail addresses")

    @override
    def __str__(self) -> str:
        return self.address


class OrganizationPhone(models.Model):
    """A phone number of an organization (switchboard, fax), as typed and in E.164."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="phones")
    # Copied from the organization so looking a number up is one indexed query.
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    raw = models.CharField(_("number as typed"), max_length=50)
    e164 = models.CharField(_("number (E.164)"), max_length=20)

    class Meta:
        ordering = ("pk",)
        indexes = [models.Index(fields=["team", "e164"], name="contacts_orgphone_e164")]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "e164"], name="contacts_orgphone_unique"
            ),
        ]
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")

    @override
    def __str__(self) -> str:
        return self.e164


class ContactQuerySet(models.QuerySet["Contact"]):
    def for_teams(self, team_ids: Iterable[int]) -> ContactQuerySet:
        return self.filter(team_id__in=list(team_ids))

    def visible_to(self, user: AnyUser) -> ContactQuerySet:
        """Contacts `user` may read (account roles apply: `parley.contacts.access`)."""
        from parley.contacts.access import account_scope

        scope = account_scope(user)
        if not scope.limited:
            return self.for_teams(scope.full_read)
        return self.filter(pk__in=Contact.objects.filter(scope.condition()).values("pk"))

    def managed_by(self, user: User) -> ContactQuerySet:
        return self.filter(managers__pk=user.pk)


class Contact(AddressFields):
    """A person we talk to."""

    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="contacts")
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    position = models.CharField(_("position"), max_length=100, blank=True)
    # Keys of the team's configurable lists (`ChoiceOption`); see `parley.contacts.choices`.
    stage = models.CharField(_("stage"), max_length=100, default=Stage.LEAD)
    source = models.CharField(_("acquisition source"), max_length=100, blank=True)
    account_type = models.CharField(_("account type"), max_length=100, default="customer")
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
        verbose_name=_("organization"),
    )
    note = models.TextField(_("note"), blank=True)
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    # Locked records are read-only for everyone but team admins (LV2).
    is_locked = models.BooleanField(_("locked"), default=False)
    # Name of the processed PNG in storages["default"] (`parley.contacts.avatars`), served
    # only through the access-checked avatar view, never as a public media URL.
    avatar = models.CharField(_("avatar"), max_length=200, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="contacts")
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="managed_contacts"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[ContactQuerySet] = ContactQuerySet.as_manager()  # type: ignore[assignment]  # as_manager() returns a manager typed loosely by django-stubs

    class Meta:
        ordering = ("last_name", "first_name", "pk")
        indexes = [
            models.Index(fields=["team", "last_name", "first_name"], name="contacts_team_name"),
        ]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    @override
    def __str__(self) -> str:
        return self.display_name

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    @property
    def avatar_version(self) -> str:
        """Changes with every new picture, so its URL can be cached (`?v=`)."""
        return self.avatar.rsplit("/", 1)[-1].removesuffix(".png")

    @property
    def display_name(self) -> str:
        """The name, else the primary e-mail address, else a placeholder."""
        if self.full_name:
            return self.full_name
        # Through .all() so a prefetch_related("emails") in list views is used.
        email = next(iter(self.emails.all()), None)
        return email.address if email else str(_("(no name)"))


class ContactEmail(models.Model):
    """An e-mail address of a contact: lower-cased, normalized, unique within a team."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")
    # Copied from the contact so "an address identifies one contact" is a database constraint.
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    address = models.CharField(_("e-mail address"), max_length=254)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        ordering = ("-is_primary", "pk")
        constraints = [
            models.UniqueConstraint(fields=["team", "address"], name="contacts_email_unique"),
            models.UniqueConstraint(
                fields=["contact"],
                condition=models.Q(is_primary=True),
                name="contacts_email_one_primary",
            ),
        ]
        verbose_name = _("e-mail address")
        verbose_name_plural = _("e-mail addresses")

    @override
    def __str__(self) -> str:
        return self.address


class ContactPhone(models.Model):
    """A phone number of a contact, kept as typed and in E.164 (which matching uses)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    # Copied from the contact so matching a caller is one indexed lookup.
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    raw = models.CharField(_("number as typed"), max_length=50)
    e164 = models.CharField(_("number (E.164)"), max_length=20)
    kind = models.CharField(
        _("type"), max_length=16, choices=PhoneKind.choices, default=PhoneKind.MOBILE
    )

    class Meta:
        ordering = ("pk",)
        indexes = [models.Index(fields=["team", "e164"], name="contacts_phone_e164")]
        constraints = [
            models.UniqueConstraint(fields=["contact", "e164"], name="contacts_phone_unique"),
        ]
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")

    @override
    def __str__(self) -> str:
        return self.e164


class LeadQuerySet(models.QuerySet["Lead"]):
    def for_teams(self, team_ids: Iterable[int]) -> LeadQuerySet:
        return self.filter(team_id__in=list(team_ids))

    def visible_to(self, user: AnyUser) -> LeadQuerySet:
        return self.for_teams(team_ids_for_user(user))

    def open(self) -> LeadQuerySet:
        return self.filter(converted_to__isnull=True)


class Lead(models.Model):
    """An enquiry not yet tied to a contact: created by hand, from an e-mail or from a call,
    later converted to a contact (and organization). Its record code is `L-<id>`."""

    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="leads")
    name = models.CharField(_("enquiry"), max_length=200)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    email = models.CharField(_("e-mail address"), max_length=254, blank=True)
    phone_raw = models.CharField(_("phone number as typed"), max_length=50, blank=True)
    phone_e164 = models.CharField(_("phone number (E.164)"), max_length=20, blank=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        verbose_name=_("salesperson"),
    )
    # Keys of the team's lead status and source lists (`parley.contacts.choices`).
    status = models.CharField(_("status"), max_length=100, default="new")
    source = models.CharField(_("acquisition source"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    next_step = models.CharField(_("next step"), max_length=500, blank=True)
    converted_to = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        verbose_name=_("converted to"),
    )
    converted_at = models.DateTimeField(null=True, blank=True)
    # Locked leads are read-only for everyone but team admins (LV2).
    is_locked = models.BooleanField(_("locked"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[LeadQuerySet] = LeadQuerySet.as_manager()  # type: ignore[assignment]  # as_manager() returns a manager typed loosely by django-stubs

    class Meta:
        ordering = ("-created_at", "-pk")
        indexes = [
            models.Index(fields=["team", "-created_at"], name="contacts_lead_team_created"),
            models.Index(fields=["team", "email"], name="contacts_lead_email"),
            models.Index(fields=["team", "phone_e164"], name="contacts_lead_phone"),
        ]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")

    @override
    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def code(self) -> str:
        """The record code used in subjects, e.g. `[L-42]` (AS2)."""
        return f"L-{self.pk}"

    @property
    def phone(self) -> str:
        """The number as typed (`phone_e164` holds it normalized)."""
        return self.phone_raw


class ActivityKind(models.TextChoices):
    NOTE = "note", _("Note")
    CALL = "call", _("Call")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    FAX = "fax", _("Fax")
    MEETING = "meeting", _("Meeting")
    FIELD_CHANGE = "field_change", _("Change")
    CONVERSATION = "conversation", _("Conversation")


# Kinds a person may log by hand ("log an event").
LOGGABLE_KINDS = (
    ActivityKind.NOTE,
    ActivityKind.CALL,
    ActivityKind.EMAIL,
    ActivityKind.SMS,
    ActivityKind.FAX,
    ActivityKind.MEETING,
)


class Activity(models.Model):
    """One entry of the timeline of a contact, organization or lead (CR5), and the audit trail
    of their changes (AU2): `changes` holds `[{"field", "old", "new"}]` for field changes,
    parsed through `parley.contacts.timeline.Changes`. Other apps link their own rows through
    `link_type`/`link_id` (a call, a conversation) without this app importing them."""

    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=ActivityKind.choices)
    occurred_at = models.DateTimeField(_("time"), default=timezone.now)
    text = models.TextField(_("text"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="activities"
    )
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="activities"
    )
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.CASCADE, related_name="activities"
    )
    changes = models.JSONField(default=list, blank=True)
    link_type = models.CharField(max_length=50, blank=True)
    link_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-occurred_at", "-pk")
        indexes = [
            models.Index(fields=["contact", "-occurred_at", "-id"], name="contacts_act_contact"),
            models.Index(fields=["organization", "-occurred_at", "-id"], name="contacts_act_org"),
            models.Index(fields=["lead", "-occurred_at", "-id"], name="contacts_act_lead"),
        ]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    @override
    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d %H:%M}"


class AccountRoleKind(models.TextChoices):
    READER = "reader", _("Reader of all accounts of the type")
    ADMIN = "admin", _("Admin of the type")


class AccountRole(models.Model):
    """A member's role over the team's accounts of one type (CR3), on top of membership.

    A team without any account role works as before: every member sees every contact and
    organization. Once it grants one, members who are not team admins or managers see only
    the accounts they manage and those of the types they read or administer; see
    `parley.contacts.access`.
    """

    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_roles"
    )
    account_type = models.CharField(_("account type"), max_length=100)
    role = models.CharField(_("role"), max_length=16, choices=AccountRoleKind.choices)

    class Meta:
        ordering = ("team", "account_type", "user")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "user", "account_type"], name="contacts_accountrole_unique"
            ),
        ]
        verbose_name = _("account role")
        verbose_name_plural = _("account roles")

    @override
    def __str__(self) -> str:
        return f"{self.user} {self.role} of {self.account_type}"


class SavedView(models.Model):
    """A named list query (filters, sort, columns) of contacts, organizations or leads,
    kept for its owner or shared with the owner's team (LV1)."""

    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    target = models.CharField(_("list"), max_length=16)
    name = models.CharField(_("name"), max_length=100)
    query = models.CharField(_("query"), max_length=2000, blank=True)
    is_shared = models.BooleanField(_("shared with the team"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("name", "pk")
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")

    @override
    def __str__(self) -> str:
        return self.name
