#!/usr/bin/env python3
"""Checks the shape rules of the sources: no file over 400 lines, no function over 80.

Usage: scripts/check-structure.py [DIR…]   (default: Sources Examples Fuzz)
A function's length runs from its `func`/`init`/`deinit` line to its closing brace; braces inside
string literals and comments do not count. Exits 1, naming each offender, when a rule is broken.
"""
import os
import re
import sys

MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 80
DECLARATION = re.compile(
    r'^\s*(?:@\w+(?:\([^)]*\))?\s+)*'
    r'(?:(?:public|private|fileprivate|internal|package|static|mutating|nonmutating|override|final|'
    r'class|nonisolated|consuming|borrowing)\s+)*(func\s|init[(<?]|deinit\b)')


def code_only(line, state):
    """The line without string contents and comments (state carries multi-line strings)."""
    out, i = [], 0
    while i < len(line):
        if state['multiline']:
            if line.startswith('"""', i):
                state['multiline'] = False
                i += 3
            else:
                i += 1
            continue
        if line.startswith('//', i):
            break
        if line.startswith('"""', i):
            state['multiline'] = True
            i += 3
            continue
        if line[i] == '"':
            i += 1
            while i < len(line) and line[i] != '"':
                i += 2 if line[i] == '\\' else 1
            i += 1
            continue
        out.append(line[i])
        i += 1
    return ''.join(out)


def function_lengths(lines):
    state = {'multiline': False}
    clean = [code_only(line, state) for line in lines]
    for start, line in enumerate(clean):
        if not DECLARATION.match(line):
            continue
        depth, opened = 0, False
        for end in range(start, len(clean)):
            for character in clean[end]:
                if character == '{':
                    depth, opened = depth + 1, True
                elif character == '}':
                    depth -= 1
            if opened and depth == 0:
                break
        if opened:
            yield start + 1, end - start + 1, lines[start].strip()


def main(roots):
    problems = []
    for root in roots:
        for folder, directories, files in os.walk(root):
            directories[:] = [d for d in directories if not d.startswith('.')]
            for name in sorted(files):
                if not name.endswith('.swift'):
                    continue
                path = os.path.join(folder, name)
                lines = open(path, encoding='utf-8').read().split('\n')
                if len(lines) - 1 > MAX_FILE_LINES:
                    problems.append(f'{path}: {len(lines) - 1} lines (at most {MAX_FILE_LINES})')
                for number, length, text in function_lengths(lines):
                    if length > MAX_FUNCTION_LINES:
                        problems.append(f'{path}:{number}: a function of {length} lines: {text[:60]}')
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:] or ['Sources', 'Examples', 'Fuzz']))
