@echo off
rem tgvx clean sample: a harmless batch file (prints a few lines, changes nothing).
setlocal
set GREETING=hello from the tgvx sample corpus
for %%N in (alpha bravo charlie) do echo %GREETING%, %%N
echo.
echo 001 whiskey clean kilo yankee sector sierra zulu hotel charlie section offset clean.
echo 002 xray hotel table uniform kilo lima.
echo 003 harmless header oscar hotel foxtrot foxtrot table quebec alpha.
echo 004 delta corpus segment kilo india sample romeo foxtrot foxtrot.
echo 005 victor sector kilo corpus yankee oscar victor echo header offset charlie segment.
echo 006 alpha victor harmless hotel mike.
echo 007 papa offset sector echo window offset.
echo 008 window delta foxtrot charlie zulu record yankee golf november juliet india sector.
endlocal
