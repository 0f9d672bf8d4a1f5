# Sourced by the project's scripts: points JAVA_HOME at a JDK 25 (the build and the server need
# FFM and the JDK 25 AOT cache) and puts it first on PATH. Keeps a JAVA_HOME that is already 25+.
java_feature_version() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | awk -F'= ' '/java.specification.version/ {print $2; exit}'
}

lckv_select_jdk() {
  local candidate version
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk \
                   /usr/lib/jvm/java-25-openjdk-amd64 /usr/lib/jvm/*25*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    version=$(java_feature_version "$candidate")
    if [ -n "$version" ] && [ "$version" -ge 25 ] 2>/dev/null; then
      export JAVA_HOME=$candidate
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  echo "No JDK 25 found: install Temurin 25 (scripts/setup does) or set JAVA_HOME to one." >&2
  return 1
}
