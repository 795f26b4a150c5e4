"""The Project screen's folder follows the name until the founder edits the folder: a folder change the
screen made itself, handled after the name changed again (a name typed or pasted fast), is not an edit."""

from __future__ import annotations

from textual.widgets import Input

from wizard.app import MuseKitApp
from wizard.screens.base import Choices
from wizard.screens.project import ProjectScreen


async def test_a_stale_folder_change_does_not_stop_the_folder_following_the_name(tmp_path, monkeypatch):
    monkeypatch.setenv("MUSEKIT_DATA_DIR", str(tmp_path / "data"))
    app = MuseKitApp(workdir=tmp_path, exit_after_first_paint=False)
    choices = Choices(organization="org", region="us-east-1", muse_ref="realtor", muse_name="Realtor")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = ProjectScreen(choices, workdir=tmp_path, sandbox=True)
        await app.push_screen(screen)
        await pilot.pause()
        name, folder = screen.query_one("#name", Input), screen.query_one("#folder", Input)
        name.value = "welcome-to-don"
        await pilot.pause()
        # the folder change that name made is handled only after the name changed again (fast typing)
        screen.post_message(Input.Changed(folder, folder.value))
        name.value = "welcome-to-done"
        await pilot.pause()
        assert folder.value == str(tmp_path / "welcome-to-done") and not screen._folder_edited
        name.value = "welcome-to-done-2"  # still following
        await pilot.pause()
        assert folder.value == str(tmp_path / "welcome-to-done-2")
        folder.value = str(tmp_path / "elsewhere")  # an edit by hand is kept
        await pilot.pause()
        name.value = "other"
        await pilot.pause()
        assert folder.value == str(tmp_path / "elsewhere")
