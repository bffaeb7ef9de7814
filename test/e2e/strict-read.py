"""Reads a table llmap wrote with Python's own strict readers, independent of llmap's csv-parse.

usage: python3 strict-read.py FORMAT PATH; prints JSON on stdout:
  csv/tsv: a list of records (the header first), each a list of strings (csv module, strict=True);
  jsonl:   a list of objects, each a list of [key, value] pairs in written order (repeated keys kept),
           numbers as {"number": "<text as written>"} (json module, strict control-character rules;
           NaN and Infinity, which are not JSON, refused). An empty file is no lines.
"""
import csv
import json
import sys

fmt, path = sys.argv[1], sys.argv[2]
if fmt in ('csv', 'tsv'):
    with open(path, newline='', encoding='utf-8') as f:
        records = list(csv.reader(f, delimiter=',' if fmt == 'csv' else '\t', strict=True))
    json.dump(records, sys.stdout)
else:
    number = lambda text: {'number': text}

    def not_json(token):
        raise ValueError('not JSON: ' + token)

    with open(path, encoding='utf-8', newline='') as f:
        text = f.read()
    if text != '' and not text.endswith('\n'):
        raise SystemExit('the last line has no line end')
    rows = []
    for line in text[:-1].split('\n') if text != '' else []:
        rows.append(json.loads(line, parse_int=number, parse_float=number, parse_constant=not_json, object_pairs_hook=lambda pairs: [list(p) for p in pairs]))
    json.dump(rows, sys.stdout)
