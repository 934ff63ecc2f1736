"""Figures: the shared style (:mod:`.style`), the numbers behind them (:mod:`.data`), the
figures of one movie (:mod:`.sample`) and of all movies (:mod:`.summary`), and the report's
small tables (:mod:`.report`)."""
