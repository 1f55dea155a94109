// The stable codes of the compatibility checker's changes, and what each one does to the set of
// instances a schema accepts. docs/compatibility.md lists the same table; a test keeps them in sync.

/**
 * - `narrows`: NEW may reject an instance OLD accepted, so data written with OLD may not be
 *   readable with NEW: breaks backward.
 * - `widens`: NEW may accept an instance OLD rejected, so readers still on OLD may choke on
 *   data written with NEW: breaks forward.
 * - `both`: breaks backward and forward.
 * - `undecidable`: the checker cannot tell; it counts as breaking in every mode but `none`.
 * - `none`: a structural fact worth listing that changes no verdict by itself.
 */
export type ChangeEffect = 'narrows' | 'widens' | 'both' | 'undecidable' | 'none';

export const CHANGE_KINDS = {
  type_narrowed: { effect: 'narrows', summary: 'a JSON type is no longer accepted (number -> integer, [string, null] -> string)' },
  type_widened: { effect: 'widens', summary: 'a JSON type is newly accepted (integer -> number, string -> [string, null])' },
  type_changed: { effect: 'both', summary: 'types were both dropped and added (string -> integer)' },
  enum_added: { effect: 'narrows', summary: 'an `enum` now restricts a value that was free' },
  enum_removed: { effect: 'widens', summary: 'an `enum` restriction was dropped' },
  enum_value_added: { effect: 'widens', summary: 'a value was added to an `enum` (or an enum now allows a former `const` and more)' },
  enum_value_removed: { effect: 'narrows', summary: 'a value was removed from an `enum`' },
  const_added: { effect: 'narrows', summary: 'a `const` now pins a value that was free' },
  const_removed: { effect: 'widens', summary: 'a `const` was dropped' },
  const_changed: { effect: 'both', summary: '`const` pins another value' },
  minimum_increased: { effect: 'narrows', summary: 'the lower bound (`minimum`/`exclusiveMinimum`) was added or raised' },
  minimum_decreased: { effect: 'widens', summary: 'the lower bound was removed or lowered' },
  maximum_decreased: { effect: 'narrows', summary: 'the upper bound (`maximum`/`exclusiveMaximum`) was added or lowered' },
  maximum_increased: { effect: 'widens', summary: 'the upper bound was removed or raised' },
  multiple_of_added: { effect: 'narrows', summary: '`multipleOf` was added' },
  multiple_of_removed: { effect: 'widens', summary: '`multipleOf` was removed' },
  multiple_of_coarsened: { effect: 'narrows', summary: 'the new `multipleOf` is a multiple of the old one (0.01 -> 0.05)' },
  multiple_of_refined: { effect: 'widens', summary: 'the old `multipleOf` is a multiple of the new one (0.05 -> 0.01)' },
  multiple_of_changed: { effect: 'both', summary: 'neither `multipleOf` divides the other (0.2 -> 0.3)' },
  min_length_increased: { effect: 'narrows', summary: '`minLength` was added or raised' },
  min_length_decreased: { effect: 'widens', summary: '`minLength` was removed or lowered' },
  max_length_decreased: { effect: 'narrows', summary: '`maxLength` was added or lowered' },
  max_length_increased: { effect: 'widens', summary: '`maxLength` was removed or raised' },
  pattern_added: { effect: 'narrows', summary: 'a `pattern` was added' },
  pattern_removed: { effect: 'widens', summary: 'a `pattern` was removed' },
  pattern_undecidable: { effect: 'undecidable', summary: 'a `pattern` was changed: whether one regular expression accepts all strings of another is not decided' },
  format_added: { effect: 'narrows', summary: 'a `format` was added (Millrace asserts formats)' },
  format_removed: { effect: 'widens', summary: 'a `format` was removed' },
  format_narrowed: { effect: 'narrows', summary: 'a known narrower `format` (uri-reference -> uri, idn-email -> email)' },
  format_widened: { effect: 'widens', summary: 'a known wider `format` (uri -> uri-reference, email -> idn-email)' },
  format_changed: { effect: 'both', summary: 'another standard `format` with no known inclusion (date -> date-time)' },
  format_undecidable: { effect: 'undecidable', summary: 'a `format` this checker does not know was added, removed or changed' },
  property_added: { effect: 'none', summary: 'a property is declared in an open model; how its value is now constrained is reported at its path' },
  property_removed: { effect: 'none', summary: 'a property is no longer declared in an open model; its value is now checked by `additionalProperties`, reported at its path' },
  property_added_to_closed_model: { effect: 'widens', summary: 'a property the old closed model rejected is now allowed: old readers reject it' },
  property_removed_from_closed_model: { effect: 'narrows', summary: 'a property the old model allowed is now rejected by a closed model' },
  required_added: { effect: 'narrows', summary: 'a property became required' },
  required_removed: { effect: 'widens', summary: 'a property is no longer required' },
  additional_properties_closed: { effect: 'narrows', summary: '`additionalProperties` became false: undeclared properties are rejected' },
  additional_properties_opened: { effect: 'widens', summary: '`additionalProperties` was false and now accepts undeclared properties' },
  pattern_properties_undecidable: { effect: 'undecidable', summary: '`patternProperties` changed: which names each pattern covers is not decided' },
  dependent_required_added: { effect: 'narrows', summary: 'a `dependentRequired` entry was added' },
  dependent_required_removed: { effect: 'widens', summary: 'a `dependentRequired` entry was removed' },
  dependent_schema_added: { effect: 'narrows', summary: 'a `dependentSchemas` entry was added' },
  dependent_schema_removed: { effect: 'widens', summary: 'a `dependentSchemas` entry was removed' },
  min_properties_increased: { effect: 'narrows', summary: '`minProperties` was added or raised' },
  min_properties_decreased: { effect: 'widens', summary: '`minProperties` was removed or lowered' },
  max_properties_decreased: { effect: 'narrows', summary: '`maxProperties` was added or lowered' },
  max_properties_increased: { effect: 'widens', summary: '`maxProperties` was removed or raised' },
  unevaluated_properties_undecidable: { effect: 'undecidable', summary: 'a schema using `unevaluatedProperties` changed: what counts as evaluated depends on every applicator around it' },
  min_items_increased: { effect: 'narrows', summary: '`minItems` was added or raised' },
  min_items_decreased: { effect: 'widens', summary: '`minItems` was removed or lowered' },
  max_items_decreased: { effect: 'narrows', summary: '`maxItems` was added or lowered' },
  max_items_increased: { effect: 'widens', summary: '`maxItems` was removed or raised' },
  unique_items_added: { effect: 'narrows', summary: '`uniqueItems: true` was added' },
  unique_items_removed: { effect: 'widens', summary: '`uniqueItems: true` was removed' },
  contains_added: { effect: 'narrows', summary: '`contains` was added' },
  contains_removed: { effect: 'widens', summary: '`contains` was removed' },
  min_contains_increased: { effect: 'narrows', summary: '`minContains` was added or raised' },
  min_contains_decreased: { effect: 'widens', summary: '`minContains` was removed or lowered' },
  max_contains_decreased: { effect: 'narrows', summary: '`maxContains` was added or lowered' },
  max_contains_increased: { effect: 'widens', summary: '`maxContains` was removed or raised' },
  unevaluated_items_undecidable: { effect: 'undecidable', summary: 'a schema using `unevaluatedItems` changed' },
  schema_closed: { effect: 'narrows', summary: 'a place that accepted values accepts none now (e.g. `items: false` after a tuple)' },
  schema_opened: { effect: 'widens', summary: 'a place that accepted no value accepts some now' },
  all_of_branch_added: { effect: 'narrows', summary: 'an `allOf` conjunct (or a `$ref` with its own siblings) was added' },
  all_of_branch_removed: { effect: 'widens', summary: 'an `allOf` conjunct was removed' },
  any_of_added: { effect: 'narrows', summary: 'an `anyOf` now restricts the value beside `unevaluated*` (elsewhere its branches are compared as alternatives)' },
  any_of_removed: { effect: 'widens', summary: 'an `anyOf` was removed beside `unevaluated*` (elsewhere its branches are compared as alternatives)' },
  any_of_branch_added: { effect: 'widens', summary: 'an `anyOf` branch that nothing old covers was added (or the `anyOf` added, e.g. `null` allowed beside a `$ref`)' },
  any_of_branch_removed: { effect: 'narrows', summary: 'an `anyOf` branch that nothing new covers was removed (or the `anyOf` dropped)' },
  one_of_added: { effect: 'narrows', summary: 'a `oneOf` whose branches may overlap (or beside `unevaluated*`) now restricts the value' },
  one_of_removed: { effect: 'widens', summary: 'a `oneOf` whose branches may overlap (or beside `unevaluated*`) was removed' },
  one_of_branch_added: { effect: 'widens', summary: 'a `oneOf` branch was added (branches provably exclusive)' },
  one_of_branch_removed: { effect: 'narrows', summary: 'a `oneOf` branch was removed (branches provably exclusive)' },
  one_of_undecidable: { effect: 'undecidable', summary: 'a `oneOf` changed and its branches cannot be shown to exclude each other: a wider branch may make an instance match two' },
  not_added: { effect: 'narrows', summary: 'a `not` was added' },
  not_removed: { effect: 'widens', summary: 'a `not` was removed' },
  not_narrowed: { effect: 'narrows', summary: 'the schema under `not` accepts more, so fewer instances pass' },
  not_widened: { effect: 'widens', summary: 'the schema under `not` accepts less, so more instances pass' },
  not_undecidable: { effect: 'undecidable', summary: 'the schema under `not` changed in a way this checker cannot decide' },
  conditional_added: { effect: 'narrows', summary: 'an `if`/`then`/`else` was added' },
  conditional_removed: { effect: 'widens', summary: 'an `if`/`then`/`else` was removed' },
  conditional_undecidable: { effect: 'undecidable', summary: 'an `if`/`then`/`else` changed: the checker does not reason about conditions' },
  ref_cycle_undecidable: { effect: 'undecidable', summary: 'a `$ref` cycle that does not descend into the instance' },
  unsupported_keyword_undecidable: { effect: 'undecidable', summary: 'a keyword this checker does not reason about changed (`$dynamicRef`, draft-07 `dependencies`, unknown keywords)' },
} as const satisfies Record<string, { readonly effect: ChangeEffect; readonly summary: string }>;

export type ChangeKind = keyof typeof CHANGE_KINDS;

export function effectOf(kind: ChangeKind): ChangeEffect {
  return CHANGE_KINDS[kind].effect;
}

/** A difference found between OLD and NEW, before a mode says whether it breaks. */
export interface SchemaChange {
  /** Instance location as a JSON pointer; `*` stands for any array item or any undeclared property. */
  readonly path: string;
  readonly kind: ChangeKind;
  readonly message: string;
}
