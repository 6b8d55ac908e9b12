#!/bin/sh
# make beyond-demo: the three knobs beyond the paper, measured (docs/science.md, "Beyond the
# paper"): the (gamma_s, gamma_r) diagram of the four metrics at gamma_w = 2, d = 50
# (jobs/beyond-gr.ini), the GD-vs-theory distance against the width for gamma_r = 0, 0.3, 0.6
# (jobs/beyond-gr-width.ini), and the (gamma_s, observed) diagram of matrix completion
# (jobs/beyond-completion.ini). Minutes on 2 cores; running it again resumes (--resume) and
# keeps finished files. Figures and tables under results/.
set -eu
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-/usr/bin/python3}
export PYTHONPATH="$PWD/analysis${PYTHONPATH:+:$PYTHONPATH}"

sh jobs/beyond-gr.sh
sh jobs/beyond-completion.sh
"$PYTHON" -m phasesweep.studies.beyond --knob gr -o results/beyond-gr/diagram.png \
    results/beyond-gr/gr*.h5
"$PYTHON" -m phasesweep.studies.beyond --knob gr --width -o results/beyond-gr/width.png \
    results/beyond-gr/width-gr*.h5
"$PYTHON" -m phasesweep.studies.beyond --knob observed -o results/beyond-completion.png \
    results/beyond-completion-P*.h5
echo "beyond-demo: results/beyond-gr/diagram.png, results/beyond-gr/width.png, results/beyond-completion.png"
