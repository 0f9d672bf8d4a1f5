package io.lckv.converter.golden;

/** One group of the iteration plan as the Python reference computed it: layers first..last. */
public record PlanGroup(int first, int last, boolean cyclic) {}
