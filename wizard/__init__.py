"""MuseKit clone wizard: launch a Muse on its own Supabase project, resumably."""

__version__ = "0.1.0"
