import {
  Bool,
  type DataType,
  Field,
  FixedSizeList,
  Float32,
  Float64,
  Int32,
  List,
  Schema,
  Utf8,
} from "apache-arrow";
import { z } from "zod";

interface JsonSchemaNode {
  type?: string | string[];
  anyOf?: JsonSchemaNode[];
  items?: JsonSchemaNode;
  enum?: unknown[];
  vector?: boolean;
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
}

function arrowType(
  node: JsonSchemaNode,
  name: string,
  vectorDimensions: number,
): { type: DataType; nullable: boolean } {
  if (node.anyOf) {
    const nonNull = node.anyOf.filter((n) => n.type !== "null");
    if (nonNull.length !== 1) throw new Error(`${name}: unions other than T | null have no Arrow type`);
    return { type: arrowType(nonNull[0]!, name, vectorDimensions).type, nullable: true };
  }
  if (node.vector) {
    return {
      type: new FixedSizeList(vectorDimensions, new Field("item", new Float32(), true)),
      nullable: false,
    };
  }
  if (Array.isArray(node.type)) {
    const types = node.type.filter((t) => t !== "null");
    if (types.length !== 1) throw new Error(`${name}: unions other than T | null have no Arrow type`);
    const inner = arrowType({ ...node, type: types[0] }, name, vectorDimensions);
    return { type: inner.type, nullable: node.type.includes("null") };
  }
  const type = node.type;
  switch (type) {
    case "string":
      return { type: new Utf8(), nullable: false };
    case "integer":
      return { type: new Int32(), nullable: false };
    case "number":
      return { type: new Float64(), nullable: false };
    case "boolean":
      return { type: new Bool(), nullable: false };
    case "array": {
      const item = arrowType(node.items ?? {}, `${name}[]`, vectorDimensions);
      return { type: new List(new Field("item", item.type, true)), nullable: false };
    }
    default:
      if (node.enum) return { type: new Utf8(), nullable: false };
      throw new Error(`${name}: no Arrow type for JSON schema type ${String(type)}`);
  }
}

/**
 * The Arrow schema of a LanceDB table, derived from its zod row schema so that the row shape is
 * defined once (in schemas/). Fields marked `.meta({ vector: true })` become fixed-size float32 lists.
 */
export function arrowSchemaFor(row: z.ZodObject, vectorDimensions = 0): Schema {
  const json = z.toJSONSchema(row, { io: "output" }) as JsonSchemaNode;
  const fields = Object.entries(json.properties ?? {}).map(([name, node]) => {
    const { type, nullable } = arrowType(node, name, vectorDimensions);
    return new Field(name, type, nullable);
  });
  return new Schema(fields);
}
