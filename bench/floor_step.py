# The step of bench/design_floor.smk: nothing (a dry run never runs it).
