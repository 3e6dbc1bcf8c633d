#!/bin/sh
# tgvx clean sample: a harmless shell script (prints a few lines, changes nothing).
set -eu

greet() { printf "hello from the tgvx sample corpus, %s\n" "$1"; }

for name in alpha bravo charlie; do
  greet "$name"
done

cat <<'EOF'
001 oscar host entry sector victor echo lima zulu record quebec.
002 hotel kilo sierra yankee zulu host clean zulu.
003 charlie section offset xray clean xray clean section kilo victor yankee.
004 clean india yankee lima header lima table foxtrot quebec bravo.
005 foxtrot juliet harmless window quebec segment yankee anchor foxtrot lima november.
006 quebec charlie uniform delta sector oscar window lima zulu.
007 bravo uniform section charlie quebec.
008 alpha mike juliet india table whiskey india lima mike.
009 quebec echo golf november window november foxtrot tango.
010 window zulu yankee sample romeo tango sample section bravo clean host victor.
EOF
exit 0
