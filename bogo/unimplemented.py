#!/usr/bin/env python3
"""Tallies why the BoGo shim exited 89 ("unimplemented"): which missing flags cost the most tests.

    rm -f /tmp/unimpl.log
    BOGO_SHIM_UNIMPLEMENTED_LOG=/tmp/unimpl.log python3 bogo/run.py ...   # see make bogo
    python3 bogo/unimplemented.py /tmp/unimpl.log [--shim bogo/shim.c]

Each log line is "reason<TAB>command line". For every test the script lists the flags the shim's
table (FLAGS, IGNORED_FLAGS, ALREADY_OFF_FLAGS in shim.c) does not know, then prints how many
tests name each missing flag, and how many tests a flag alone stands between and a verdict.
Exits the shim decides on at run time rather than by a flag carry their own reason: "PSK: ..."
for the runner's tests with CBC PSK suites (libtls has the AEAD PSK suites only; the flags
-psk/-psk-identity are implemented), "-expect-early-data-reason other than disabled", ...
"""
import argparse
import collections
import re

PREFIXES = ("-on-initial-", "-on-resume-", "-on-shim-", "-on-retry-", "-on-handshaker-")


def known_flags(shim_source):
    text = open(shim_source).read()
    names = set(re.findall(r'_FLAG\("(-[a-z0-9-]+)"', text))
    for table in ("IGNORED_FLAGS", "ALREADY_OFF_FLAGS"):
        m = re.search(table + r"\[\] = \{(.*?)\};", text, re.S)
        if m:
            names |= set(re.findall(r'"(-[a-z0-9-]+)"', m.group(1)))
    names.add("-curves")
    names.add("-port")
    return names


def unknown_flags(argv, known):
    """The flags of one command line the shim lacks, with their -on-*- prefix removed."""
    missing = set()
    for arg in argv:
        if not arg.startswith("-") or re.fullmatch(r"-\d+", arg):
            continue  # a value
        name = arg
        for prefix in PREFIXES:
            if name.startswith(prefix):
                name = "-" + name[len(prefix):]
                break
        if name not in known:
            missing.add(name)
    return missing


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("log")
    ap.add_argument("--shim", default="bogo/shim.c")
    ap.add_argument("--top", type=int, default=40)
    args = ap.parse_args()
    known = known_flags(args.shim)

    seen = set()
    reasons = collections.Counter()
    per_flag = collections.Counter()
    alone = collections.Counter()
    for line in open(args.log, errors="replace"):
        reason, _, command = line.rstrip("\n").partition("\t")
        if command in seen:
            continue
        seen.add(command)
        reasons[reason] += 1
        missing = unknown_flags(command.split(), known)
        for flag in missing:
            per_flag[flag] += 1
        if len(missing) == 1:
            alone[next(iter(missing))] += 1
        elif not missing:
            alone["(no missing flag: " + reason + ")"] += 1
    print("%d distinct unimplemented command lines\n" % len(seen))
    print("first reason the shim gave:")
    for reason, n in reasons.most_common(args.top):
        print("  %5d  %s" % (n, reason))
    print("\nmissing flag named by (tests):")
    for flag, n in per_flag.most_common(args.top):
        print("  %5d  %s" % (n, flag))
    print("\nthe only thing missing (tests a single change would unlock):")
    for flag, n in alone.most_common(args.top):
        print("  %5d  %s" % (n, flag))


if __name__ == "__main__":
    main()
