// `rotor completion bash|zsh`: shell completion for the rotor command (and kubectl-rotor when
// called as such). zsh loads the bash function through bashcompinit, so one function serves
// both. The flags offered come from the commands' own usage texts, so they cannot drift.
import { MIGRATE_USAGE } from '../migrate/cli.js';
import { IAM_USAGE, POLICY_KINDS } from './iam.js';

export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

/** The commands `rotor` takes (cli.ts dispatches them). */
export const COMMANDS = ['migrate', 'iam', 'status', 'refresh', 'completion', 'version', 'help'] as const;

/** Every --flag a usage text documents, sorted. */
export function flagsOf(usage: string): string[] {
  return [...new Set([...usage.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((m) => m[0]))].sort();
}

function bashFunction(): string {
  const migrateFlags = flagsOf(MIGRATE_USAGE).join(' ');
  const iamFlags = flagsOf(IAM_USAGE).join(' ');
  const kinds = Object.keys(POLICY_KINDS).join(' ');
  return `# rotor completion (bash). Load it with: source <(rotor completion bash)
_rotor() {
  local cur prev cmd i ns
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmd="\${COMP_WORDS[1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${COMMANDS.join(' ')} --version --help" -- "$cur") )
    return
  fi
  case "$cmd" in
    completion) COMPREPLY=( $(compgen -W "${SHELLS.join(' ')}" -- "$cur") ) ;;
    version|--version) COMPREPLY=( $(compgen -W "-o" -- "$cur") ); [ "$prev" = "-o" ] && COMPREPLY=( $(compgen -W "json" -- "$cur") ) ;;
    iam)
      if [ "$COMP_CWORD" -eq 2 ]; then COMPREPLY=( $(compgen -W "policy" -- "$cur") ); return; fi
      case "$prev" in
        --kind) COMPREPLY=( $(compgen -W "${kinds}" -- "$cur") ) ;;
        *) COMPREPLY=( $(compgen -W "${iamFlags}" -- "$cur") ) ;;
      esac ;;
    status|refresh)
      if [ "$COMP_CWORD" -eq 2 ]; then
        if [ "$cmd" = refresh ]; then COMPREPLY=( $(compgen -W "es externalsecret ces clusterexternalsecret ss secretstore css clustersecretstore" -- "$cur") )
        else COMPREPLY=( $(compgen -W "es externalsecret" -- "$cur") ); fi
        return
      fi
      case "$prev" in
        -n|--namespace) COMPREPLY=( $(compgen -W "$(kubectl get namespaces -o jsonpath='{.items[*].metadata.name}' 2>/dev/null)" -- "$cur") ); return ;;
      esac
      if [[ "$cur" == -* ]]; then COMPREPLY=( $(compgen -W "-n --namespace --kubeconfig --context" -- "$cur") ); return; fi
      ns=""
      for ((i = 2; i < COMP_CWORD; i++)); do
        case "\${COMP_WORDS[i]}" in -n|--namespace) ns="\${COMP_WORDS[i+1]}" ;; esac
      done
      case "\${COMP_WORDS[2]}" in
        ces|clusterexternalsecret) COMPREPLY=( $(compgen -W "$(kubectl get clusterexternalsecrets.rotor.dev -o jsonpath='{.items[*].metadata.name}' 2>/dev/null)" -- "$cur") ) ;;
        css|clustersecretstore) COMPREPLY=( $(compgen -W "$(kubectl get clustersecretstores.rotor.dev -o jsonpath='{.items[*].metadata.name}' 2>/dev/null)" -- "$cur") ) ;;
        ss|secretstore) COMPREPLY=( $(compgen -W "$(kubectl get secretstores.rotor.dev \${ns:+-n "$ns"} -o jsonpath='{.items[*].metadata.name}' 2>/dev/null)" -- "$cur") ) ;;
        *) COMPREPLY=( $(compgen -W "$(kubectl get externalsecrets.rotor.dev \${ns:+-n "$ns"} -o jsonpath='{.items[*].metadata.name}' 2>/dev/null)" -- "$cur") ) ;;
      esac ;;
    migrate)
      if [[ "$cur" == -* ]]; then COMPREPLY=( $(compgen -W "${migrateFlags}" -- "$cur") )
      else COMPREPLY=( $(compgen -f -- "$cur") ); fi ;;
  esac
}
complete -o default -F _rotor rotor
complete -o default -F _rotor kubectl-rotor
`;
}

export function completionScript(shell: Shell): string {
  if (shell === 'bash') return bashFunction();
  return `#compdef rotor kubectl-rotor
# rotor completion (zsh). Load it with: source <(rotor completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bashFunction()}`;
}
