# Sourced by bogo/setup.sh and tools/apps/fetch-sources.sh: a private apt state whose only
# sources are deb-src twins of this machine's Debian entries, so `apt-get source` works without
# touching the system's apt configuration.
#
#   deb_src_apt DIR WHO   sets up DIR and fills the array apt_opts with the options that point
#                         apt-get/apt-cache at it; WHO names the caller in the error message.
deb_src_apt() {
    local apt_dir=$1 who=$2 f
    mkdir -p "$apt_dir/sources" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
    : >"$apt_dir/sources/debian-src.sources"
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f $f ]] || continue
        # deb822 stanzas: keep the Debian ones, turn "Types: deb" into "Types: deb-src".
        awk 'BEGIN { RS = ""; ORS = "\n\n" }
             /(^|\n)Types:[^\n]*deb/ && /(^|\n)URIs:[^\n]*debian/ {
                 gsub(/(^|\n)Types:[^\n]*/, "\nTypes: deb-src"); sub(/^\n/, ""); print
             }' "$f" >>"$apt_dir/sources/debian-src.sources"
    done
    : >"$apt_dir/sources.list"
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f $f ]] || continue
        sed -n 's/^[[:space:]]*deb[[:space:]]\+\(.*debian.*\)$/deb-src \1/p' "$f" >>"$apt_dir/sources.list"
    done
    if ! grep -q . "$apt_dir/sources/debian-src.sources" "$apt_dir/sources.list"; then
        echo "$who: no Debian entry in this machine's apt sources to derive deb-src from" >&2
        exit 1
    fi
    apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=$apt_dir/sources"
        -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
        -o "Debug::NoLocking=1")
}
