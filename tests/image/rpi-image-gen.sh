#!/bin/sh
# image/rpi-image-gen: the recipe for Raspberry Pi's image builder, checked as far as a machine
# without rpi-image-gen allows (rpi-image-gen itself is not run here):
#   - every config and layer file is YAML that parses; configs use known sections, their includes
#     exist, and after the includes each names a device, an image layout and the kiosk's layer;
#   - each layer's metadata block (# METABEGIN ... # METAEND) follows rpi-image-gen's schema and
#     the checks of its metadata lint: name, category, description, version; only known fields;
#     a variable prefix when variables are declared; every variable with its description,
#     required, validation and set policy, nothing orphaned, defaults that pass their own
#     keyword or regex rule; settings in the configs are variables some layer declares;
#   - every layer named (configs, Requires) is one of ours or one of rpi-image-gen's own that
#     the recipe was written against (the list below);
#   - every package named exists in Debian bookworm (apt-cache on this Debian 12 machine), or is
#     our own; the hooks parse (sh -n), use only declared variables, and every project file they
#     run or install exists; the default package folder is where cross-build-arm64.sh puts them;
#   - kernel command line fragments are one line each;
#   - the image layout: the pre-image hook fills in every placeholder of genimage.cfg.in, and
#     genimage (the same tool rpi-image-gen runs) makes a card from a small root folder: MBR,
#     boot FAT CATEBOOT (bootable, /boot/firmware), root ext4 CATEROOT, data ext4 CATEDATA last
#     holding /var/lib/cate-kiosk, which then grows with cate-grow-data.
#
#   rpi-image-gen.sh SOURCE_DIR
# Exits 77 (skipped) when a tool it needs is missing.
set -eu
src=$(cd "$1" && pwd)
recipe=$src/image/rpi-image-gen
. "$(dirname "$0")/checks.sh"
scratch work
python3 -c 'import yaml' 2>/dev/null || skip_without "image/deps.sh installs python3-yaml" python3-yaml
skip_without "image/deps.sh installs them" genimage mke2fs debugfs mkfs.vfat mcopy mdir sfdisk jq apt-cache blkid
. /etc/os-release
if [ "${VERSION_CODENAME:-}" != bookworm ]; then
  echo "SKIP: packages are checked against Debian bookworm's with apt-cache; this machine is ${VERSION_CODENAME:-unknown}" >&2
  exit 77
fi

# --- YAML, metadata, layers, variables, hooks (python3-yaml) --------------------------------------
python3 - "$src" "$work" <<'PY' || failures=$((failures + 1))
import os, re, sys, yaml

src, work = sys.argv[1], sys.argv[2]
recipe = os.path.join(src, "image", "rpi-image-gen")
fails = []
def fail(msg): fails.append(msg); print("FAIL: " + msg, file=sys.stderr)

# rpi-image-gen's own layers this recipe names, as found in its source (layer, device and
# image folders, main branch, late 2025). A name not here and not ours is a typo or a layer
# that went away.
BUILTIN_LAYERS = {
    "rpi5", "rpi4", "image-base",
    "debian-bookworm-arm64-multi", "rpi-debian-bookworm", "rpi-essential-base",
    "rpi-misc-utils", "systemd-net-min", "systemd-timesyncd",
}
# Variables rpi-image-gen's own layers declare that the recipe uses or sets.
BUILTIN_VARS = {"IGconf_image_name", "IGconf_image_suffix", "IGconf_device_hostname"}
CONFIG_SECTIONS = {"include", "env", "device", "image", "layer", "packages"}
LAYER_FIELDS = {"X-Env-Layer-Name", "X-Env-Layer-Category", "X-Env-Layer-Desc",
                "X-Env-Layer-Version", "X-Env-Layer-Requires", "X-Env-Layer-Provides",
                "X-Env-Layer-RequiresProvider", "X-Env-VarPrefix", "X-Env-VarRequires",
                "X-Env-VarRequires-Valid"}
VAR_ATTRS = {"Desc", "Required", "Valid", "Set", "Triggers", "Anchor"}
MMDEBSTRAP_KEYS = {"packages", "customize-hooks", "setup-hooks", "essential-hooks",
                   "extract-hooks", "mirrors", "architectures", "mode", "variant",
                   "aptopts", "dpkgopts", "keyrings", "components", "suite", "target"}
PKG_RE = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")

def metadata(path):
    """The metadata block as {field: value}, continuation lines joined."""
    lines = open(path).read().split("\n")
    if "# METABEGIN" not in lines or "# METAEND" not in lines:
        fail(f"{path}: no '# METABEGIN' ... '# METAEND' block"); return {}
    block = lines[lines.index("# METABEGIN") + 1:lines.index("# METAEND")]
    meta, last = {}, None
    for n, line in enumerate(block):
        if not line.startswith("#"):
            fail(f"{path}: metadata line not a comment: {line!r}"); continue
        body = line[1:]
        if body.strip() == "":
            last = None; continue
        m = re.match(r"^ (X-Env-[A-Za-z0-9_-]+):(?: (.*))?$", body)
        if m:
            key, value = m.group(1), (m.group(2) or "").strip()
            if key in meta: fail(f"{path}: {key} twice")
            meta[key] = value; last = key
        elif body.startswith("  ") and last:
            meta[last] += " " + body.strip()
        else:
            fail(f"{path}: metadata line not understood: {line!r}")
    return meta

def valid_default(rule, value):
    if rule.startswith("keywords:"):
        return value in rule[len("keywords:"):].split(",")
    if rule.startswith("regex:"):
        return re.search(rule[len("regex:"):], value) is not None
    if "," in rule and ":" not in rule:
        return value in rule.split(",")
    return True   # string, dir, size, ...: checked by rpi-image-gen at build time

layers = {}       # name -> (path, meta, body)
declared = set()  # IGconf_ variables our layers declare
for folder in ("layer", "image", "device"):
    top = os.path.join(recipe, folder)
    for root, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if not d.endswith(".d")]
        for f in sorted(files):
            if not f.endswith(".yaml"): continue
            path = os.path.join(root, f)
            try:
                docs = list(yaml.safe_load_all(open(path)))
            except yaml.YAMLError as e:
                fail(f"{path}: YAML: {e}"); continue
            meta = metadata(path)
            for field in ("X-Env-Layer-Name", "X-Env-Layer-Category", "X-Env-Layer-Desc", "X-Env-Layer-Version"):
                if not meta.get(field): fail(f"{path}: no {field}")
            if not re.match(r"^\d+\.\d+\.\d+$", meta.get("X-Env-Layer-Version", "")):
                fail(f"{path}: X-Env-Layer-Version is not N.N.N")
            variables = {}
            for key, value in meta.items():
                if key in LAYER_FIELDS: continue
                m = re.match(r"^X-Env-Var-([a-z0-9_]+?)(?:-(Desc|Required|Valid|Set|Triggers|Anchor))?$", key)
                if not m:
                    fail(f"{path}: unknown metadata field {key}"); continue
                variables.setdefault(m.group(1), {})[m.group(2) or ""] = value
            prefix = meta.get("X-Env-VarPrefix")
            if variables and not prefix: fail(f"{path}: variables but no X-Env-VarPrefix")
            for var, attrs in variables.items():
                if "" not in attrs:
                    fail(f"{path}: attributes of {var} but no X-Env-Var-{var} (orphaned)"); continue
                for a in ("Desc", "Required", "Valid", "Set"):
                    if a not in attrs: fail(f"{path}: X-Env-Var-{var}-{a} missing")
                if attrs.get("Required") not in (None, "y", "n"): fail(f"{path}: {var}-Required is not y or n")
                if attrs.get("Set") not in (None, "y", "n", "lazy", "force", "skip", "immediate"):
                    fail(f"{path}: {var}-Set {attrs.get('Set')!r} is not a known policy")
                if "Valid" in attrs and not valid_default(attrs["Valid"], attrs[""]):
                    fail(f"{path}: default {attrs['']!r} of {var} fails its own rule {attrs['Valid']}")
                declared.add(f"IGconf_{prefix}_{var}")
            name = meta.get("X-Env-Layer-Name", path)
            if name in layers: fail(f"{path}: layer name {name} also in {layers[name][0]}")
            body = docs[-1] if docs and docs[-1] is not None else {}
            layers[name] = (path, meta, body, variables)

if not layers: fail("no layers found")
ours = set(layers)
def check_layer_name(name, where):
    if name not in ours and name not in BUILTIN_LAYERS:
        fail(f"{where}: layer {name} is neither the recipe's nor a known rpi-image-gen layer")

packages, hooks = [], []
for name, (path, meta, body, variables) in layers.items():
    for dep in filter(None, (d.strip() for d in meta.get("X-Env-Layer-Requires", "").split(","))):
        check_layer_name(dep, path)
    if not isinstance(body, dict): fail(f"{path}: the YAML after the metadata is not a mapping"); continue
    for key in body:
        if key != "mmdebstrap": fail(f"{path}: unknown section {key}")
    mm = body.get("mmdebstrap") or {}
    for key in mm:
        if key not in MMDEBSTRAP_KEYS: fail(f"{path}: unknown mmdebstrap key {key}")
    for p in mm.get("packages") or []:
        if not isinstance(p, str) or not PKG_RE.match(p): fail(f"{path}: package name {p!r}")
        else: packages.append(p)
    for kind in ("setup-hooks", "essential-hooks", "customize-hooks", "extract-hooks"):
        for h in mm.get(kind) or []:
            if not isinstance(h, str): fail(f"{path}: a hook that is not text: {h!r}")
            else: hooks.append((path, h))
    # Defaults that name folders: ${DIRECTORY} is the layer file's folder.
    for var, attrs in variables.items():
        default = attrs.get("", "")
        if "${DIRECTORY}" in default:
            resolved = os.path.normpath(default.replace("${DIRECTORY}", os.path.dirname(path)))
            if var == "packages":
                if resolved != os.path.join(src, "build", "arm64", "packages"):
                    fail(f"{path}: default package folder {resolved} is not where image/cross-build-arm64.sh puts them")
            elif attrs.get("Valid") == "dir" and not os.path.isdir(resolved):
                fail(f"{path}: default {var} {resolved} is not a folder")
    # The layer's asset folder: hooks executable and parsing, command line fragments one line.
    assets = path[:-len(".yaml")] + ".d"
    for root, dirs, files in os.walk(assets):
        for f in files:
            p = os.path.join(root, f)
            rel = os.path.relpath(p, assets)
            if rel.startswith("hooks" + os.sep):
                if not os.access(p, os.X_OK): fail(f"{p}: a hook that is not executable")
                hooks.append((p, open(p).read()))
            elif "cmdline.d" in rel.split(os.sep):
                text = open(p).read()
                if text.count("\n") != 1 or not text.strip(): fail(f"{p}: a command line fragment is one line")
            else:
                fail(f"{p}: not a hook or a command line fragment")

# Hooks: they parse, the IGconf_ variables they use are declared, the project's files exist.
image_dir = os.path.join(src, "image")
for i, (path, h) in enumerate(hooks):
    with open(os.path.join(work, f"hook{i}.sh"), "w") as out:
        out.write(h)
    with open(os.path.join(work, f"hook{i}.from"), "w") as out:
        out.write(path)
    for var in set(re.findall(r"\bIGconf_[a-z0-9_]+", h)):
        if var not in declared and var not in BUILTIN_VARS:
            fail(f"{path}: hook uses {var}, which no layer declares")
    for rel in re.findall(r"\$\{?IGconf_cate_recipe\}?/([A-Za-z0-9_./-]+)", h):
        if not os.path.exists(os.path.join(image_dir, rel)):
            fail(f"{path}: hook runs image/{rel}, which does not exist")
        if rel.endswith(".sh"):
            # Files the script itself installs from the image folder.
            script = open(os.path.join(image_dir, rel)).read() if os.path.exists(os.path.join(image_dir, rel)) else ""
            for f in set(re.findall(r'"\$HERE/([A-Za-z0-9_./-]+)"', script)):
                if not os.path.exists(os.path.join(image_dir, f)):
                    fail(f"image/{rel} installs image/{f}, which does not exist")

# Configs: sections, includes, and what each names once its includes are merged.
configs = {}
cdir = os.path.join(recipe, "config")
for f in sorted(os.listdir(cdir)):
    if not f.endswith(".yaml"): fail(f"{cdir}/{f}: not a .yaml config"); continue
    try:
        configs[f] = yaml.safe_load(open(os.path.join(cdir, f))) or {}
    except yaml.YAMLError as e:
        fail(f"config/{f}: YAML: {e}"); configs[f] = {}
prefixes = {meta.get("X-Env-VarPrefix") for _, meta, _, _ in layers.values()} - {None}
def merged(f, seen=()):
    c = configs.get(f)
    if c is None: fail(f"config include {f} does not exist"); return {}
    if f in seen: fail(f"config/{f}: includes itself"); return {}
    out = {}
    inc = (c.get("include") or {}).get("file")
    if inc: out = merged(inc, seen + (f,))
    for section, values in c.items():
        if section == "include": continue
        if isinstance(values, dict): out.setdefault(section, {}).update(values)
        else: out[section] = values
    return out
for f, c in configs.items():
    if not isinstance(c, dict): fail(f"config/{f}: not a mapping"); continue
    for section in c:
        if section not in CONFIG_SECTIONS and section not in prefixes:
            fail(f"config/{f}: unknown section {section}")
for f, c in configs.items():
    m = merged(f)
    if "device" not in m:
        continue   # a shared part, included by the device configs
    print(f"config/{f}: device {m['device'].get('layer')}, image {m.get('image', {}).get('layer')}, layers {sorted((m.get('layer') or {}).values())}")
    for section, key in (("device", "layer"), ("image", "layer"), ("image", "name")):
        if not (m.get(section) or {}).get(key): fail(f"config/{f}: no {section}.{key}")
    named = [m["device"].get("layer"), m.get("image", {}).get("layer")] + list((m.get("layer") or {}).values())
    for n in filter(None, named): check_layer_name(n, f"config/{f}")
    if "cate-kiosk" not in named: fail(f"config/{f}: does not include the cate-kiosk layer")
    for section, values in m.items():
        if section in ("layer", "env", "packages") or not isinstance(values, dict): continue
        for key in values:
            var = f"IGconf_{section}_{key}"
            if key != "layer" and var not in declared and var not in BUILTIN_VARS:
                fail(f"config/{f}: {section}.{key} is not a variable any layer declares")

with open(os.path.join(work, "packages"), "w") as out:
    out.write("\n".join(sorted(set(packages))) + "\n")
print(f"{len(layers)} layers, {len(configs)} configs, {len(set(packages))} packages, {len(hooks)} hooks")
sys.exit(1 if fails else 0)
PY

# --- hooks parse ----------------------------------------------------------------------------------
for h in "$work"/hook*.sh; do
  [ -e "$h" ] || continue
  sh -n "$h" 2>"$work/err" || fail "$(cat "${h%.sh}.from"): a hook does not parse: $(cat "$work/err")"
done

# --- packages: in Debian bookworm, or ours ---------------------------------------------------------
# Debian's non-free-firmware component (also in the Raspberry Pi archive); checked when this
# machine's apt lists have it.
nonfree_firmware="firmware-brcm80211"
apt-cache show base-files >/dev/null 2>&1 || { echo "SKIP: apt has no package lists (apt-get update)" >&2; exit 77; }
while read -r pkg; do
  [ -n "$pkg" ] || continue
  [ "$pkg" = cate-kiosk ] && continue
  if apt-cache show --no-all-versions "$pkg" >/dev/null 2>&1; then
    continue
  fi
  case " $nonfree_firmware " in
    *" $pkg "*) echo "not checked: $pkg (non-free-firmware is not in this machine's apt sources)" ;;
    *) fail "package $pkg is not in Debian bookworm" ;;
  esac
done < "$work/packages"

# --- the card's layout: the pre-image hook, then genimage -------------------------------------------
layer=$recipe/image/cate-image.yaml
var() { sed -n "s/^# X-Env-Var-$1: //p" "$layer"; }
root=$work/rootfs
mkdir -p "$root/boot/firmware" "$root/var/lib/cate-kiosk" "$root/etc" "$root/usr/bin" "$work/genimage" "$work/out"
echo "auto_initramfs=1" > "$root/boot/firmware/config.txt"
echo "LABEL=CATEDATA /var/lib/cate-kiosk ext4 rw 0 2" > "$root/etc/fstab"
head -c 4000000 /dev/urandom > "$root/usr/bin/cate-kiosk"
echo "the kiosk's store" > "$root/var/lib/cate-kiosk/kiosk.db"
# The boot size is the layer's default; the root's is a percentage of its content, too little
# for ext4's own overhead with this small a folder, and the data partition is kept small.
status=0
env IGconf_image_name=cate-test IGconf_image_suffix=img \
    IGconf_image_boot_part_size="$(var boot_part_size)" IGconf_image_root_part_size=32M \
    IGconf_image_data_part_size=16M IGconf_image_assetdir="$recipe/image" \
    "$recipe/image/cate-image.d/hooks/preimage.sh" "$root" "$work/genimage" 2>"$work/err" || status=$?
[ "$status" -eq 0 ] || fail "preimage.sh: exit $status: $(cat "$work/err")"
cfg=$work/genimage/genimage.cfg
if grep -n '<[A-Z_]*>' "$cfg" >&2; then fail "genimage.cfg: placeholders left (above)"; fi
if genimage --config "$cfg" --rootpath "$root" --tmppath "$work/tmp" --inputpath "$work/genimage" \
     --outputpath "$work/out" > "$work/genimage.log" 2>&1; then
  img=$work/out/cate-test.img
  sfdisk --json "$img" > "$work/table.json"
  [ "$(jq -r .partitiontable.label "$work/table.json")" = dos ] || fail "the card's table is not MBR"
  [ "$(jq -r '[.partitiontable.partitions[].type] | join(" ")' "$work/table.json")" = "c 83 83" ] ||
    fail "partition types: $(jq -c '[.partitiontable.partitions[].type]' "$work/table.json"), not c 83 83"
  [ "$(jq -r '.partitiontable.partitions[0].bootable' "$work/table.json")" = true ] || fail "the boot partition is not marked bootable"
  n=1
  for want in CATEBOOT CATEROOT CATEDATA; do
    start=$(jq -r ".partitiontable.partitions[$((n - 1))].start" "$work/table.json")
    size=$(jq -r ".partitiontable.partitions[$((n - 1))].size" "$work/table.json")
    dd if="$img" of="$work/p$n" bs=512 skip="$start" count="$size" status=none
    got=$(blkid -p -o value -s LABEL "$work/p$n" || true)
    [ "$got" = "$want" ] || fail "partition $n is labelled '$got', not $want"
    n=$((n + 1))
  done
  mdir -i "$work/p1" ::/config.txt >/dev/null 2>&1 || fail "config.txt is not on the boot partition"
  debugfs -R 'cat /kiosk.db' "$work/p3" 2>/dev/null | grep -q "the kiosk's store" || fail "the data partition does not hold /var/lib/cate-kiosk"
  [ -z "$(debugfs -R 'ls /var/lib/cate-kiosk' "$work/p2" 2>/dev/null | tr -s ' ' '\n' | grep -v '^\.*$' | grep -v '^[0-9(]' || true)" ] ||
    fail "the root partition also holds /var/lib/cate-kiosk's files"
  debugfs -R 'stat /usr/bin/cate-kiosk' "$work/p2" >/dev/null 2>&1 || fail "the root partition does not hold the root folder's files"
  # The layout grows at first boot: cate-grow-data on the card, made bigger.
  truncate -s +64M "$img"
  sh "$src/image/grow/cate-grow-data" "$img" 3 > "$work/grow.log" 2>&1 || fail "cate-grow-data on the card: $(cat "$work/grow.log")"
  end=$(sfdisk --json "$img" | jq '.partitiontable.partitions[2] | .start + .size')
  [ "$end" -ge $(( $(stat -c %s "$img") / 512 - 4096 )) ] || fail "cate-grow-data did not grow the card's data partition (ends at $end)"
else
  cat "$work/genimage.log" >&2
  fail "genimage on the cate-image layout"
fi

finish "the rpi-image-gen recipe (structure only; rpi-image-gen was not run)"
