// A minimal typed client: sends an operation by its persisted hash
// (`documentId`, accepted by the server's trusted-documents mode), or its text.
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";

export interface GraphQLErrorBody {
  message: string;
  extensions?: { code?: string; reason?: string; [key: string]: unknown };
}

export interface Result<TData> {
  data?: TData | null;
  errors?: GraphQLErrorBody[];
}

export interface ClientOptions {
  endpoint: string;
  /** Send only the persisted hash, as a production client with trusted documents does. */
  persisted?: boolean;
  accessToken?: () => string | undefined;
}

type WithHash = { __meta__?: { hash?: string } };

export async function execute<TData, TVariables extends Record<string, unknown>>(
  options: ClientOptions,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
): Promise<Result<TData>> {
  const hash = (document as WithHash).__meta__?.hash;
  const body =
    options.persisted && hash !== undefined
      ? { documentId: hash, variables }
      : { query: print(document), variables };
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  const token = options.accessToken?.();
  if (token !== undefined) headers["Authorization"] = `Bearer ${token}`;
  const response = await fetch(options.endpoint, {
    method: "POST",
    headers,
    body: JSON.stringify(body),
  });
  return (await response.json()) as Result<TData>;
}
