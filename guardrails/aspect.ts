import type { IAspect, TerraformStack } from "../engine";
import type { IConstruct } from "constructs";
import { annotateStack, markPrepared } from "./engine";

/**
 * Runs the guardrails on one stack during synth. cdktf visits every construct; the aspect acts
 * only on the stack node, where it checks all resources at once from one synthesis of the stack.
 */
export class GuardrailsAspect implements IAspect {
  constructor(private readonly stack: TerraformStack) {}

  visit(node: IConstruct): void {
    if (node !== this.stack) return;
    // Aspects run inside app.synth(), after every stack has been prepared.
    markPrepared(this.stack.node.root);
    annotateStack(this.stack);
  }
}
