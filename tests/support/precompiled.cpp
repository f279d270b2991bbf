// The program that builds tests/support/precompiled.hpp: an executable, so
// that its flags (-fPIE) are the test binaries' own, as reusing a
// precompiled header requires. It is never run.
int main() { return 0; }
