/**
 * `gtx completion bash|zsh|fish`: a completion script generated from the command tree itself
 * (commander has none built in), so a new command or option completes without editing a script.
 */
import { Argument, type Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import type { CommandRegistrar } from '../run-cli.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

interface OptionNode {
  readonly flag: string;
  readonly description: string;
  readonly takesValue: boolean;
  readonly choices: readonly string[];
}

interface CommandNode {
  /** The words from `gtx` down to this command: [] for gtx itself, ['audit', 'verify']. */
  readonly path: readonly string[];
  readonly description: string;
  readonly options: readonly OptionNode[];
  /** The allowed values of its arguments (`gtx completion <shell>`). */
  readonly argumentChoices: readonly string[];
  readonly children: readonly CommandNode[];
}

function treeOf(command: Command, path: readonly string[]): CommandNode {
  const options: OptionNode[] = command.options
    .filter((option) => option.long !== undefined && !option.hidden)
    .map((option) => ({
      flag: option.long ?? '',
      description: option.description,
      takesValue: option.required || option.optional,
      choices: option.argChoices ?? [],
    }));
  options.push({ flag: '--help', description: 'show help', takesValue: false, choices: [] });
  return {
    path,
    description: command.description(),
    options,
    argumentChoices: command.registeredArguments.flatMap((argument) => argument.argChoices ?? []),
    children: command.commands.map((child) => treeOf(child, [...path, child.name()])),
  };
}

function allNodes(node: CommandNode): CommandNode[] {
  return [node, ...node.children.flatMap(allNodes)];
}

const key = (path: readonly string[]): string => path.map((word) => `/${word}`).join('');

function bashScript(root: CommandNode): string {
  const nodes = allNodes(root);
  const known = nodes
    .filter((node) => node.path.length > 0)
    .map((node) => `"${key(node.path)}"`)
    .join('|');
  const words = nodes
    .map((node) => {
      const list = [
        ...node.children.map((c) => c.path.at(-1) ?? ''),
        ...node.argumentChoices,
        ...node.options.map((o) => o.flag),
      ];
      return `    "${key(node.path)}") words="${list.join(' ')}" ;;`;
    })
    .join('\n');
  const values = nodes
    .flatMap((node) =>
      node.options
        .filter((option) => option.takesValue)
        .map((option) => {
          const choices =
            option.choices.length > 0
              ? `COMPREPLY=($(compgen -W "${option.choices.join(' ')}" -- "$cur"))`
              : 'COMPREPLY=()';
          return `    "${key(node.path)}/${option.flag}") ${choices}; return ;;`;
        }),
    )
    .join('\n');
  return `# gtx completion for bash: source <(gtx completion bash), or save it as
# /etc/bash_completion.d/gtx (or ~/.local/share/bash-completion/completions/gtx)
_gtx() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" path="" word i words=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    case "$path/$word" in
      ${known}) path="$path/$word" ;;
    esac
  done
  case "$path/$prev" in
${values}
  esac
  case "$path" in
${words}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _gtx gtx
`;
}

function zshScript(root: CommandNode): string {
  // zsh runs bash completion functions through bashcompinit, which ships with zsh.
  return `# gtx completion for zsh: source <(gtx completion zsh) in ~/.zshrc
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bashScript(root)}`;
}

function fishQuote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Fish's test for "the command line is at this command": each word of its path was seen. */
function fishCondition(node: CommandNode): string {
  if (node.path.length === 0) return '__fish_use_subcommand';
  return node.path.map((word) => `__fish_seen_subcommand_from ${word}`).join('; and ');
}

function fishScript(root: CommandNode): string {
  const lines = [
    '# gtx completion for fish: gtx completion fish > ~/.config/fish/completions/gtx.fish',
  ];
  for (const node of allNodes(root)) {
    const here = fishCondition(node);
    const childNames = node.children.map((child) => child.path.at(-1) ?? '');
    const notYet =
      node.path.length === 0 || childNames.length === 0
        ? here
        : `${here}; and not __fish_seen_subcommand_from ${childNames.join(' ')}`;
    for (const child of node.children) {
      lines.push(
        `complete -c gtx -f -n ${fishQuote(notYet)} -a ${child.path.at(-1) ?? ''} -d ${fishQuote(child.description)}`,
      );
    }
    if (node.argumentChoices.length > 0) {
      lines.push(
        `complete -c gtx -f -n ${fishQuote(notYet)} -a ${fishQuote(node.argumentChoices.join(' '))}`,
      );
    }
    for (const option of node.options) {
      const value = option.takesValue
        ? option.choices.length > 0
          ? ` -x -a ${fishQuote(option.choices.join(' '))}`
          : ' -r'
        : '';
      lines.push(
        `complete -c gtx -n ${fishQuote(notYet)} -l ${option.flag.slice(2)}${value} -d ${fishQuote(option.description)}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The completion script of `program` for `shell`. */
export function completionScript(program: Command, shell: Shell): string {
  const root = treeOf(program, []);
  switch (shell) {
    case 'bash':
      return bashScript(root);
    case 'zsh':
      return zshScript(root);
    case 'fish':
      return fishScript(root);
  }
}

export const registerCompletion: CommandRegistrar = (program: Command, io: CliIo) => {
  program
    .command('completion')
    .description('print a shell completion script: source <(gtx completion bash)')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .action((shell: Shell) => {
      io.stdout.write(completionScript(program, shell));
    });
};
