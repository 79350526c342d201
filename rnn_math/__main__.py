"""``python -m rnn_math``: the command line of [`rnn_math.cli`][rnn_math.cli]."""

from rnn_math.cli import main

raise SystemExit(main())
