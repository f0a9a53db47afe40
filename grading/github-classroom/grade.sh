#!/usr/bin/env bash
# Grade every lab notebook in a student's repository with the course kit; report the score.
# Used by grade.yml (GitHub Actions); runnable anywhere:
#   grade.sh STUDENT_REPO KIT_CHECKOUT [OUT]
# Environment: BIOMETRICS_LAB_PYTHON (interpreter with the kit installed, default python3),
# BIOMETRICS_LAB_COURSE (folder with solutions/<lab>/, default the kit's), GITHUB_ACTOR,
# GITHUB_STEP_SUMMARY (a Markdown summary is appended when set).
# Exit status: 0 when every notebook was graded without a flag, 1 otherwise.
set -uo pipefail
repo="$(cd "${1:-.}" && pwd)"
kit="$(cd "${2:-kit}" && pwd)"
out="${3:-$repo/.grading}"
python="${BIOMETRICS_LAB_PYTHON:-python3}"
course="${BIOMETRICS_LAB_COURSE:-$kit}"
student="${GITHUB_ACTOR:-student}"
summary="${GITHUB_STEP_SUMMARY:-/dev/null}"
export PATH="$(dirname "$(command -v "$python")"):$PATH"

status=0
found=0
echo "| lab | score | flags |" >> "$summary"
echo "|---|---|---|" >> "$summary"
while IFS= read -r notebook; do
    lab="$(basename "$notebook" .ipynb)"
    [ -f "$course/solutions/$lab/$lab.ipynb" ] || continue
    found=1
    (cd "$kit" && PYTHONPATH="$kit" "$python" -m biometrics_lab.cli grade "$notebook" --lab "$lab" \
        --student "$student" --out "$out/$lab" --workers 1 --no-feedback --course "$course") || status=1
    line="$("$python" -c 'import json, sys
r = json.load(open(sys.argv[1]))
flags = r["output"].split("Flags: ", 1)[1] if "Flags: " in r["output"] else ""
print("%g|%s|%s" % (r["score"], r["output"].splitlines()[0], flags))' "$out/$lab/results.json" 2>/dev/null)" || { status=1; continue; }
    IFS='|' read -r score text flags <<< "$line"
    echo "Score $lab: $text"
    echo "| $lab | $score | ${flags:-none} |" >> "$summary"
done < <(find "$repo" -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' -not -path "$kit/*" -not -path "$out/*" | sort)
if [ "$found" = 0 ]; then
    echo "No lab notebook (named like a lab of the course) in $repo" >&2
    exit 1
fi
exit "$status"
