"""``zkclaims registry ...``, ``zkclaims apikey``, ``zkclaims serve --check``: the commands."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from zkclaims.cli import build_parser, main
from zkclaims.registry import open_registry
from zkclaims.service import load_config
from zkclaims.service.auth import KeyRing

from .ledger_helpers import INSURER, RecordingJudge, facts, ins
from .service_helpers import write_config


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def db(tmp_path):
    return f"sqlite:///{tmp_path / 'ledger.db'}"


def members_csv(path, rows):
    path.write_text("member_id,ins,birth_date,amo_regime\n" + "".join(
        f"{m},{i},{b},{r}\n" for m, i, b, r in rows), encoding="utf-8")
    return str(path)


def test_init_migrate_and_refusal_of_an_unmigrated_ledger(capsys, db):
    code, _, err = run(capsys, "registry", "audit", "--database", db)
    assert code == 2 and "zkclaims registry migrate" in err
    code, out, _ = run(capsys, "registry", "init", "--database", db)
    assert code == 0 and "created the ledger at revision" in out
    code, out, _ = run(capsys, "registry", "init", "--database", db)
    assert code == 0 and "already exists" in out
    code, out, _ = run(capsys, "registry", "migrate", "--database", db)
    assert code == 0 and "was 0001" in out


def test_import_members_all_or_nothing(capsys, db, tmp_path):
    run(capsys, "registry", "init", "--database", db)
    good = members_csv(tmp_path / "m.csv", [("M1", ins(1), "1968-06-01", "general"),
                                            ("M2", ins(2), "2015-02-03", "alsace_moselle")])
    code, out, _ = run(capsys, "registry", "beneficiaries", "import", good, "--database", db,
                       "--insurer", INSURER)
    assert code == 0 and "2 members read: 2 added, 0 updated, 0 unchanged" in out
    bad_key = ins(3)[:-2] + "00"
    bad = members_csv(tmp_path / "bad.csv", [("M3", ins(3), "1970-01-01", ""),
                                             ("M4", bad_key, "1970-01-01", "")])
    code, _, err = run(capsys, "registry", "beneficiaries", "import", bad, "--database", db,
                       "--insurer", INSURER)
    assert code == 2 and "line 3" in err and "ins" in err and "key" in err
    with open_registry(db) as reg:
        assert reg.beneficiary(INSURER, "M3") is None  # nothing of the bad file
        assert reg.beneficiary(INSURER, "M2").amo_regime == "alsace_moselle"
    jl = tmp_path / "m.jsonl"
    jl.write_text(json.dumps({"member_id": "M5", "ins": ins(5), "birth_date": "1990-01-01"})
                  + "\n")
    code, out, _ = run(capsys, "registry", "beneficiaries", "import", str(jl), "--database", db,
                       "--insurer", INSURER)
    assert code == 0 and "1 added" in out
    code, _, err = run(capsys, "registry", "beneficiaries", "import", str(jl), "--database", db)
    assert code == 2 and "--insurer" in err


def test_audit_command(capsys, db):
    run(capsys, "registry", "init", "--database", db)
    with open_registry(db) as reg:
        for i in range(3):
            reg.ingest(facts(f"A-{i}", member_id="M9", commitment=str(i)), RecordingJudge(),
                       rules_version="2020")
    code, out, _ = run(capsys, "registry", "audit", "--database", db)
    assert code == 0 and out.startswith("audit chain OK: 3 rows")
    with open_registry(db) as reg, reg.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_no_update"))
        conn.execute(text("UPDATE audit SET outcome = 'accepted' WHERE seq = 2"))
    code, out, _ = run(capsys, "registry", "audit", "--database", db, "--json")
    assert code == 1
    doc = json.loads(out)
    assert (doc["ok"], doc["broken_seq"]) == (False, 2)


def test_apikey_makes_a_key_the_service_accepts(capsys, tmp_path, db):
    code, out, _ = run(capsys, "apikey", "--name", "optique-1", "--optician", "FINESS-1",
                       "--optician", "FINESS-2", "--scope", "claims", "--scope", "history",
                       "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["entry"]["opticians"] == ["FINESS-1", "FINESS-2"]
    assert doc["key"] not in json.dumps(doc["entry"])
    ring = KeyRing([load_config(env={}, insurer="X", database_url=db, trusted_prescribers="t",
                                api_keys=[doc["entry"]]).api_keys[0]])
    assert ring.caller(doc["key"]).name == "optique-1"
    assert ring.caller(doc["key"] + "x") is None
    code, out, _ = run(capsys, "apikey", "--name", "x", "--optician", "F")
    assert code == 0 and "[[api_keys]]" in out and "sha256 = " in out


def test_serve_check_and_config_errors(capsys, tmp_path, db, monkeypatch):
    cfg = write_config(tmp_path / "c", db)
    code, out, _ = run(capsys, "serve", "--config", str(cfg), "--check")
    assert code == 0 and f"insurer {INSURER}" in out and "4 API keys" in out
    assert "127.0.0.1:8000" in out
    monkeypatch.setenv("ZKCLAIMS_PORT", "eighty")
    code, _, err = run(capsys, "serve", "--config", str(cfg), "--check")
    assert code == 2 and "port" in err and "ZKCLAIMS_" in err
    monkeypatch.setenv("ZKCLAIMS_PORT", "8123")
    assert load_config(cfg).port == 8123
    monkeypatch.delenv("ZKCLAIMS_PORT")
    entry = {"name": "from-env", "sha256": "ab" * 32, "opticians": ["F-1"]}
    monkeypatch.setenv("ZKCLAIMS_API_KEYS", json.dumps([entry]))
    assert [k.name for k in load_config(cfg).all_api_keys()] == ["from-env"]
    monkeypatch.setenv("ZKCLAIMS_API_KEYS", "[{")
    code, _, err = run(capsys, "serve", "--config", str(cfg), "--check")
    assert code == 2 and "ZKCLAIMS_API_KEYS" in err
    monkeypatch.delenv("ZKCLAIMS_API_KEYS")
    bad = tmp_path / "bad.toml"
    bad.write_text("colour = 'blue'\n" + cfg.read_text())
    code, _, err = run(capsys, "serve", "--config", str(bad), "--check")
    assert code == 2 and "unknown setting 'colour'" in err
    code, _, err = run(capsys, "serve", "--config", str(tmp_path / "missing.toml"), "--check")
    assert code == 2 and "cannot read" in err


def test_every_flag_has_help():
    parser = build_parser()

    def walk(p, path):
        for action in p._actions:
            if action.option_strings and action.dest != "help":
                assert action.help, f"{path} {action.option_strings}"
            if hasattr(action, "choices") and isinstance(action.choices, dict):
                for name, sub in action.choices.items():
                    if path == "zkclaims" and name not in ("registry", "serve", "apikey"):
                        continue
                    walk(sub, f"{path} {name}")

    walk(parser, "zkclaims")


def test_a_worker_process_builds_its_app_from_the_parents_config(tmp_path, db, monkeypatch):
    """``zkclaims serve --workers N``: each uvicorn worker rebuilds the app from the config."""
    from zkclaims.service.run import CONFIG_ENV, app_from_env

    config = load_config(write_config(tmp_path / "c", db), env={})
    monkeypatch.setenv(CONFIG_ENV, config.model_dump_json())
    app = app_from_env()
    try:
        assert app.state.service.config == config
        assert app.state.service.registry.dialect == "sqlite"
    finally:
        app.state.service.close()
