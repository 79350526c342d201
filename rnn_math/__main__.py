"""``python -m rnn_math``: the command line of [`rnn_math.apps.cli`][rnn_math.apps.cli]."""

from rnn_math.apps.cli import main

raise SystemExit(main())
