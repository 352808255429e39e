import sys

from .cli import main, redeliver_lost_interrupts

sys.unraisablehook = redeliver_lost_interrupts
raise SystemExit(main())
