"""Measuring and fitting: `qa eval` (answer quality on labelled questions) and `qa calibrate`
(the ranker, quote and no-answer models fitted on the "fit" halves, reported on the "test" halves)."""
