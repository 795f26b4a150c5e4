"""`musekit --templates DIR`: the wizard offers the templates of that folder after the shipped ones and
yours, previews them, and records the chosen one by path (so resume finds it); a wrong DIR is said before
any screen opens."""

from __future__ import annotations

from tests.support.muses_cli import GOOD_SQL, write_muse
from tests.support.pilot import wait_for
from wizard.app import MuseKitApp
from wizard.cli import main
from wizard.screens.muse import MuseScreen

SIZE = (120, 40)


async def test_the_wizard_offers_the_templates_of_a_templates_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("MUSEKIT_DATA_DIR", str(tmp_path / "data"))
    team = tmp_path / "team"
    write_muse(team, "standup", GOOD_SQL)
    app = MuseKitApp(workdir=tmp_path / "work", exit_after_first_paint=False, template_dirs=(team,))
    async with app.run_test(size=SIZE) as pilot:
        muse = MuseScreen()
        await app.push_screen(muse)
        await wait_for(pilot, lambda: "standup" in muse.templates, "the folder's template in the list")
        assert [(slug, t.source) for slug, t in muse.templates.items()] == [
            ("realtor", "shipped"),
            ("socioscheduler", "shipped"),
            ("standup", str(team)),
        ]
        options = muse.query_one("#templates")
        while options.get_option_at_index(options.highlighted).id != "standup":
            await pilot.press("down")
        await wait_for(pilot, lambda: muse.previewed == "standup", "its preview")
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ProjectScreen", "the project screen")
        assert app.choices.muse_ref == str(team / "standup")  # a path: resume loads it without --templates


def test_a_templates_folder_that_is_not_one_is_refused_before_the_wizard_opens(tmp_path, capsys):
    assert main(["--sandbox", "--templates", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert f"--templates {tmp_path / 'nowhere'}: no such folder" in err
