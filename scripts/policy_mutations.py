"""Prove that the access matrix needs every rule of vault/policy.py.

Each mutation removes or weakens one rule in a *copy* of vault/policy.py; the access matrix
(vault/tests/test_access_matrix.py) then runs against the copy and must fail. The real file is
never written: this module, loaded into pytest with ``-p policy_mutations``, installs an import
hook that loads ``vault.policy`` from the copy named by $COFFRE_POLICY_MUTANT.

    .venv/bin/python scripts/policy_mutations.py            # stop each run at its first failure
    .venv/bin/python scripts/policy_mutations.py --full     # count every failing cell
    .venv/bin/python scripts/policy_mutations.py --only created_by --only read_actions_removed

Exits 1 if a mutation survives (no cell fails), 2 if the tool itself cannot run (a mutation no
longer applies to policy.py, the matrix fails without mutation, pytest errors).
Mutations marked ``equivalent`` remove a redundant backstop that no caller can tell apart
(another check always refuses first): they are run and reported, but may survive.

Kinds of item: the matrix runs its cells for papers, contacts, appointments and notes, each
through its own views. A rule about items (``per_kind``, the default) must be caught by the
cells of *every* kind — otherwise some kind's views do not depend on it, i.e. they do not go
through the policy — and survives for the kinds that miss it. Each kind stops at its first
failing cell; the run stops once every kind failed.
"""

import argparse
import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "vault" / "policy.py"
MATRIX = "vault/tests/test_access_matrix.py"
MUTANT_ENV = "COFFRE_POLICY_MUTANT"
REPORT_ENV = "COFFRE_MUTATION_REPORT"
KINDS_ENV = "COFFRE_MUTATION_KINDS"
# The kinds of item of the matrix (its ``KINDS``; the plugin checks they match).
KINDS = ("document", "contact", "appointment", "note")


@dataclass(frozen=True)
class Mutation:
    name: str
    rule: str
    old: str
    new: str
    equivalent: str = ""  # why no caller can notice, for redundant backstops
    # False for rules that are not about items (structures, teams, the people list, one's own
    # vault, actions on a person), or about accounts that the matrix checks on every kind at
    # once (deactivated, staff in a team): any test may catch those.
    per_kind: bool = True


MUTATIONS = [
    # Professionals see shared items only.
    Mutation(
        "shared_filter",
        "visible_items: professionals list only SHARED items",
        "            visibility=Beneficiary.Visibility.SHARED,\n",
        "",
    ),
    Mutation(
        "item_is_shared",
        "_can_on_item: a professional may act on shared items only",
        "    if not item.is_shared:\n        return False\n",
        "",
    ),
    # Active membership.
    Mutation(
        "membership_active",
        "structures_of: only *active* memberships count",
        'Membership.objects.active().filter(structure=OuterRef("pk"), user=professional)',
        'Membership.objects.filter(structure=OuterRef("pk"), user=professional)',
    ),
    Mutation(
        "membership_own",
        "structures_of: only the user's own memberships count",
        'Membership.objects.active().filter(structure=OuterRef("pk"), user=professional)',
        'Membership.objects.active().filter(structure=OuterRef("pk"))',
    ),
    Mutation(
        "structure_membership_active",
        "_can_on_structure: WORK_IN / MANAGE_TEAM need an *active* membership",
        "memberships = Membership.objects.active().filter(user=professional, structure=structure)",
        "memberships = Membership.objects.filter(user=professional, structure=structure)",
        per_kind=False,
    ),
    Mutation(
        "manage_team_admin_role",
        "_can_on_structure: MANAGE_TEAM needs the admin role",
        "return memberships.filter(role=Membership.Role.ADMIN).exists()",
        "return memberships.exists()",
        per_kind=False,
    ),
    # Active affiliation.
    Mutation(
        "affiliation_active",
        "_active_affiliations_for: only *active* affiliations give access",
        "return Affiliation.objects.active().filter(structure__in=structures_of(user))",
        "return Affiliation.objects.filter(structure__in=structures_of(user))",
    ),
    Mutation(
        "affiliation_of_my_structures",
        "_active_affiliations_for: only affiliations with the user's structures",
        "return Affiliation.objects.active().filter(structure__in=structures_of(user))",
        "return Affiliation.objects.active()",
    ),
    Mutation(
        "people_affiliation_active",
        "beneficiaries_of_structure: only *active* affiliations are listed",
        'Affiliation.objects.active().filter(beneficiary=OuterRef("pk"), structure=structure)',
        'Affiliation.objects.filter(beneficiary=OuterRef("pk"), structure=structure)',
        per_kind=False,
    ),
    Mutation(
        "people_of_this_structure",
        "beneficiaries_of_structure: only people affiliated with *this* structure",
        'Affiliation.objects.active().filter(beneficiary=OuterRef("pk"), structure=structure)',
        'Affiliation.objects.active().filter(beneficiary=OuterRef("pk"))',
        per_kind=False,
    ),
    Mutation(
        "people_need_work_in",
        "beneficiaries_of_structure: only for members of the structure",
        "    if not can(user, Action.WORK_IN, structure):\n"
        "        return Beneficiary.objects.none()\n",
        "",
        per_kind=False,
    ),
    Mutation(
        "acting_structure_active",
        "_affiliated_structures: the journal and the card name a structure with an *active* "
        "affiliation",
        'Affiliation.objects.active().filter(structure=OuterRef("pk"), beneficiary=beneficiary)',
        'Affiliation.objects.filter(structure=OuterRef("pk"), beneficiary=beneficiary)',
    ),
    Mutation(
        "item_reachable_beneficiary",
        "_can_on_item: a professional acts only on items of beneficiaries they reach",
        "    if not beneficiaries_visible_to(user).filter(pk=item.owner_id).exists():\n"
        "        return False\n",
        "",
    ),
    # Writes: edit and delete only what they created; never share.
    Mutation(
        "created_by",
        "_can_on_item: a professional edits/deletes only what they created",
        "return bool(item.created_by_id == user.pk)",
        "return True",
    ),
    Mutation(
        "share_is_not_a_write",
        "_can_on_item: a professional never changes sharing, even on their own items",
        "if action in (Action.EDIT, Action.DELETE):",
        "if action in (Action.EDIT, Action.DELETE, Action.SHARE):",
    ),
    Mutation(
        "item_deny_by_default",
        "_can_on_item: any other action is refused",
        "        return bool(item.created_by_id == user.pk)\n    return False\n",
        "        return bool(item.created_by_id == user.pk)\n    return True\n",
    ),
    # Reads.
    Mutation(
        "read_actions_removed",
        "_can_on_item: READ_ACTIONS are allowed to a reaching professional",
        "    if action in READ_ACTIONS:\n        return True\n",
        "",
    ),
    Mutation(
        "read_actions_widened",
        "READ_ACTIONS holds list/view/download only",
        "READ_ACTIONS = {Action.LIST, Action.VIEW, Action.DOWNLOAD}",
        "READ_ACTIONS = set(Action)",
    ),
    # Owner.
    Mutation(
        "owner_check",
        "_can_on_item: a beneficiary acts only on their own items",
        "return bool(item.owner.user_id == user.pk)",
        "return True",
    ),
    Mutation(
        "owner_filter",
        "visible_items: a beneficiary lists only their own items",
        "return queryset.filter(owner__user=user)",
        "return queryset",
    ),
    Mutation(
        "own_beneficiary",
        "beneficiaries_visible_to: a beneficiary reaches only themselves",
        "return Beneficiary.objects.filter(user=owner)",
        "return Beneficiary.objects.all()",
    ),
    Mutation(
        "own_vault_only_beneficiaries",
        "own_vault: only a beneficiary has a vault of their own",
        "    if not _is_beneficiary(user):\n        return None\n",
        "",
        per_kind=False,
    ),
    Mutation(
        "kind_check",
        "_as_kind: a user counts as a beneficiary / professional only if of that kind",
        "user.is_active and user.kind == kind:",
        "user.is_active:",
    ),
    Mutation(
        "beneficiary_kind",
        "_is_beneficiary: only beneficiary accounts",
        "return _as_kind(user, User.Kind.BENEFICIARY) is not None",
        "return isinstance(user, User) and user.is_active",
    ),
    Mutation(
        "professional_kind",
        "_is_professional: only professional accounts",
        "return _as_kind(user, User.Kind.PROFESSIONAL) is not None",
        "return isinstance(user, User) and user.is_active",
        equivalent="structures_of() and _can_on_structure() call _as_kind(PROFESSIONAL) "
        "themselves, so anyone else still has no structure and reaches nobody",
    ),
    # Staff, anonymous, deactivated: nothing.
    Mutation(
        "others_list_nothing",
        "visible_items: staff and anonymous list nothing",
        "    return queryset.none()\n",
        "    return queryset\n",
    ),
    Mutation(
        "others_reach_nobody",
        "beneficiaries_visible_to: staff and anonymous reach nobody",
        "    return Beneficiary.objects.none()\n\n\ndef own_vault",
        "    return Beneficiary.objects.all()\n\n\ndef own_vault",
    ),
    Mutation(
        "structures_only_for_professionals",
        "structures_of: only professionals have structures",
        "    professional = _as_kind(user, User.Kind.PROFESSIONAL)\n"
        "    if professional is None:\n        return Structure.objects.none()\n",
        "    professional = user\n",
        per_kind=False,
    ),
    Mutation(
        "structure_only_for_professionals",
        "_can_on_structure: only professionals act on a structure",
        "    professional = _as_kind(user, User.Kind.PROFESSIONAL)\n"
        "    if professional is None:\n        return False\n",
        "    professional = user\n",
        per_kind=False,
    ),
    Mutation(
        "item_only_for_professionals",
        "_can_on_item: non-beneficiaries must be professionals",
        "    if not _is_professional(user):\n        return False\n    if not item.is_shared:",
        "    if not item.is_shared:",
        equivalent="the next checks refuse anyone who is not a professional: "
        "beneficiaries_visible_to() is empty for them",
    ),
    Mutation(
        "active_check",
        "_as_kind: deactivated accounts are neither beneficiaries nor professionals",
        "isinstance(user, User) and user.is_active and user.kind == kind",
        "isinstance(user, User) and user.kind == kind",
        per_kind=False,
    ),
    Mutation(
        "can_guard",
        "can: anonymous and deactivated users can do nothing",
        "    if not user.is_authenticated or not user.is_active:\n        return False\n",
        "",
        equivalent="_is_beneficiary() and _is_professional() check the same two things, and "
        "every branch of can() refuses when both are false",
    ),
    # Beneficiary and structure objects.
    Mutation(
        "beneficiary_actions",
        "_can_on_beneficiary: only LIST and CREATE make sense on a person",
        "    if action not in (Action.LIST, Action.CREATE):\n        return False\n",
        "",
        per_kind=False,
    ),
    Mutation(
        "beneficiary_reachable",
        "_can_on_beneficiary: only for people the user reaches",
        "return beneficiaries_visible_to(user).filter(pk=beneficiary.pk).exists()",
        "return True",
    ),
    Mutation(
        "structure_deny_by_default",
        "_can_on_structure: any other action is refused",
        "return memberships.filter(role=Membership.Role.ADMIN).exists()\n    return False\n",
        "return memberships.filter(role=Membership.Role.ADMIN).exists()\n    return True\n",
        per_kind=False,
    ),
    # The getters the views use: 404 for outsiders, 403 for read-only actors.
    Mutation(
        "get_for_visible",
        "get_for: outsiders get 404 (the item is looked up among visible items)",
        "item = visible_items(queryset, user).get(**lookup)",
        "item = queryset.get(**lookup)",
    ),
    Mutation(
        "get_for_can",
        "get_for: read-only actors get 403",
        "    if not can(user, action, item):\n        raise PermissionDenied\n",
        "",
    ),
    Mutation(
        "get_beneficiary_visible",
        "get_beneficiary_for: outsiders get 404",
        "beneficiary = beneficiaries_visible_to(user).get(code=code)",
        "beneficiary = Beneficiary.objects.get(code=code)",
    ),
    Mutation(
        "get_beneficiary_can",
        "get_beneficiary_for: the action is checked",
        "    if not can(user, action, beneficiary):\n        raise PermissionDenied\n",
        "",
        equivalent="views ask only LIST and CREATE, which are allowed exactly to the people "
        "beneficiaries_visible_to() already found",
    ),
    Mutation(
        "get_structure_visible",
        "get_structure_for: outsiders get 404",
        "structure = structures_of(user).get(code=code)",
        "structure = Structure.objects.get(code=code)",
        per_kind=False,
    ),
    Mutation(
        "get_structure_can",
        "get_structure_for: non-admins get 403 on the team page",
        "    if not can(user, action, structure):\n        raise PermissionDenied\n",
        "",
        per_kind=False,
    ),
]


# --- pytest side: loaded with ``-p policy_mutations`` inside the pytest run. --------------


class _MutantFinder(importlib.abc.MetaPathFinder):
    def __init__(self, path: str) -> None:
        self.path = path

    def find_spec(
        self, fullname: str, path: Any = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "vault.policy":
            return None
        return importlib.util.spec_from_file_location(fullname, self.path)


if __name__ != "__main__" and os.environ.get(MUTANT_ENV):
    sys.meta_path.insert(0, _MutantFinder(os.environ[MUTANT_ENV]))


def pytest_collection_finish(session: Any) -> None:
    mutant = os.environ.get(MUTANT_ENV)
    if not mutant:
        return
    loaded = getattr(sys.modules.get("vault.policy"), "__file__", None)
    if loaded is None or Path(loaded).resolve() != Path(mutant).resolve():
        import pytest

        raise pytest.UsageError(f"vault.policy came from {loaded}, not from the mutant {mutant}")


_kind_of: dict[str, str] = {}  # nodeid -> kind of item, for the matrix's per-kind tests
_caught: set[str] = set()
_session: Any = None


def pytest_sessionstart(session: Any) -> None:
    global _session
    _session = session


def pytest_collection_modifyitems(items: list[Any]) -> None:
    for item in items:
        kind = getattr(getattr(item, "callspec", None), "params", {}).get("kind")
        if kind is not None:
            _kind_of[item.nodeid] = kind
    wanted = os.environ.get(KINDS_ENV)
    if os.environ.get(MUTANT_ENV) and not wanted:
        # A rule that is not about items is mostly caught by the few tests that are not per
        # kind: run them first, before the hundreds of cells (the run stops at one failure).
        items[:] = [i for i in items if i.nodeid not in _kind_of] + [
            i for i in items if i.nodeid in _kind_of
        ]
    if wanted and set(_kind_of.values()) != set(wanted.split(",")):
        import pytest

        raise pytest.UsageError(
            f"the matrix has kinds {sorted(set(_kind_of.values()))}, this tool expects "
            f"{sorted(wanted.split(','))}: update KINDS in scripts/policy_mutations.py"
        )


def pytest_runtest_setup(item: Any) -> None:
    """Per-kind runs: a kind already caught needs no more cells."""
    if os.environ.get(KINDS_ENV) and _kind_of.get(item.nodeid) in _caught:
        import pytest

        pytest.skip("this kind already caught the mutation")


def pytest_runtest_logreport(report: Any) -> None:
    if not report.failed:
        return
    kind = _kind_of.get(report.nodeid, "")
    path = os.environ.get(REPORT_ENV)
    if path:
        with open(path, "a") as out:
            out.write(f"{kind}\t{report.nodeid}\n")
    wanted = os.environ.get(KINDS_ENV)
    if wanted and kind:
        _caught.add(kind)
        if _session is not None and _caught >= set(wanted.split(",")):
            _session.shouldstop = "every kind caught the mutation"


# --- Driver. -------------------------------------------------------------------------------


@dataclass
class Result:
    mutation: Mutation | None
    failed: list[str]
    seconds: float
    kinds: set[str]  # kinds of item with a failing cell

    @property
    def missed(self) -> list[str]:
        """Kinds whose cells did not catch a per-kind mutation."""
        if self.mutation is None or not self.mutation.per_kind or not self.failed:
            return []
        return [kind for kind in KINDS if kind not in self.kinds]

    @property
    def survived(self) -> bool:
        return not self.failed or bool(self.missed)


class ToolError(Exception):
    pass


def mutate(source: str, mutation: Mutation) -> str:
    count = source.count(mutation.old)
    if count != 1:
        raise ToolError(
            f"{mutation.name}: the text to mutate occurs {count} times in vault/policy.py "
            "(was the policy changed? update the mutation)"
        )
    return source.replace(mutation.old, mutation.new)


def run_matrix(source: str, mutation: Mutation | None, full: bool) -> Result:
    per_kind = mutation is not None and mutation.per_kind and not mutation.equivalent
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="policy-mutant-") as tmp:
        mutant = Path(tmp) / "policy.py"
        mutant.write_text(source if mutation is None else mutate(source, mutation))
        report = Path(tmp) / "failed.txt"
        report.touch()
        env = {
            **os.environ,
            MUTANT_ENV: str(mutant),
            REPORT_ENV: str(report),
            "PYTHONPATH": os.pathsep.join(
                [str(Path(__file__).resolve().parent), os.environ.get("PYTHONPATH", "")]
            ),
            "PYTHONDONTWRITEBYTECODE": "1",  # no .pyc next to the mutant or in scripts/
            KINDS_ENV: ",".join(KINDS) if per_kind and not full else "",
        }
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "--no-header",
            "-p",
            "no:cacheprovider",
            "-p",
            "policy_mutations",
            f"--basetemp={Path(tmp) / 'pytest'}",
            *([] if full or per_kind else ["-x"]),
            MATRIX,
        ]
        done = subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
            command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        lines = [line.split("\t", 1) for line in report.read_text().splitlines() if line]
    failed = sorted({nodeid for _kind, nodeid in lines})
    kinds = {kind for kind, _nodeid in lines if kind}
    name = mutation.name if mutation else "(no mutation)"
    # 2 = interrupted: the plugin stops a per-kind run once every kind failed.
    stopped = per_kind and done.returncode == 2 and kinds >= set(KINDS)
    if not stopped and (done.returncode not in (0, 1) or (done.returncode == 1) != bool(failed)):
        raise ToolError(f"{name}: pytest exited {done.returncode}\n{done.stdout}{done.stderr}")
    return Result(mutation, failed, time.monotonic() - started, kinds)


def cell(nodeid: str) -> str:
    return nodeid.split("::", 1)[-1]


def describe(result: Result, full: bool) -> str:
    mutation = result.mutation
    assert mutation is not None
    if result.missed:
        caught = ", ".join(sorted(result.kinds)) or f"no kind, only {cell(result.failed[0])}"
        return (
            f"SURVIVED for {', '.join(result.missed)} (caught by {caught}): add a cell of that "
            "kind, check that its views go through the policy, or mark the rule per_kind=False "
            "if it is not about items"
        )
    if result.failed:
        shown = f"{len(result.failed)} cell(s) failed" if full else "killed"
        if mutation.per_kind and not mutation.equivalent:
            shown += " in every kind"
        text = f"{shown}, e.g. {cell(result.failed[0])}"
        return text + ("  (marked equivalent: update its note)" if mutation.equivalent else "")
    if mutation.equivalent:
        return f"survived, equivalent: {mutation.equivalent}"
    return "SURVIVED: add a cell that needs this rule"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="count every failing cell")
    parser.add_argument("--only", action="append", default=[], help="run only this mutation")
    parser.add_argument("--list", action="store_true", help="list the mutations and exit")
    parser.add_argument("--verbose", action="store_true", help="print every failing cell")
    parser.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1))
    args = parser.parse_args()

    if args.list:
        for mutation in MUTATIONS:
            print(f"{mutation.name}: {mutation.rule}")
        return 0
    digest = hashlib.sha256(POLICY.read_bytes()).hexdigest()
    source = POLICY.read_text()
    mutations = [m for m in MUTATIONS if not args.only or m.name in args.only]
    width = max((len(m.name) for m in mutations), default=0)
    results = []
    try:
        unknown = set(args.only) - {m.name for m in MUTATIONS}
        if unknown:
            raise ToolError(f"unknown mutation(s): {', '.join(sorted(unknown))}")
        for each in mutations:  # fail fast on a stale mutation, before running anything
            mutate(source, each)
        baseline = run_matrix(source, None, full=True)
        if baseline.failed:
            raise ToolError(
                "the matrix fails without any mutation:\n  " + "\n  ".join(baseline.failed)
            )
        print(f"baseline: matrix green against an unmutated copy ({baseline.seconds:.0f}s)")
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            for result in pool.map(lambda m: run_matrix(source, m, args.full), mutations):
                assert result.mutation is not None
                print(f"{result.mutation.name:<{width}}  {describe(result, args.full)}", flush=True)
                if args.verbose:
                    for nodeid in result.failed:
                        print(f"{'':<{width}}    {cell(nodeid)}")
                results.append(result)
    except ToolError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        if hashlib.sha256(POLICY.read_bytes()).hexdigest() != digest:
            print("warning: vault/policy.py changed while this ran (not by this tool)")

    killed = [r for r in results if not r.survived]
    equivalent = [r for r in results if not r.failed and r.mutation and r.mutation.equivalent]
    survivors = [r for r in results if r.survived and r.mutation and not r.mutation.equivalent]
    print(
        f"{len(results)} mutations: {len(killed)} killed, {len(equivalent)} equivalent, "
        f"{len(survivors)} surviving"
    )
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
