import * as vscode from 'vscode';
import { fillAnnouncement } from '../fill/fillAnnouncement.js';
import { inertText } from '../fill/inertText.js';
import type { FillDone } from './filler.js';
import type { Settings } from './settings.js';

/** An announcement made, and where it went (the extension-host tests listen). */
export interface Announcement {
  text: string;
  via: 'statusBar' | 'notification';
}

/**
 * Says what each fill wrote. Always in the status bar (the words stay there for 15 s; a screen reader reads the
 * status bar on request), and as a notification too when glmInfill.announceFills asks for it: VS Code reads each
 * new notification aloud, which is what a screen-reader user needs and what would nag everyone else after every
 * fill. 'auto' does it when VS Code is in screen-reader mode (editor.accessibilitySupport "on", which VS Code
 * offers to turn on when it detects a screen reader).
 */
export class FillAnnouncer implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<Announcement>();
  readonly onDidAnnounce = this.emitter.event;
  private readonly subscription: vscode.Disposable;

  constructor(
    onDidFill: vscode.Event<FillDone>,
    private readonly settings: () => Settings,
  ) {
    this.subscription = onDidFill((done) => this.announce(done));
  }

  private announce(done: FillDone): void {
    const text = fillAnnouncement(done.fills);
    vscode.window.setStatusBarMessage(text, 15_000);
    const notify = this.wantsNotification(done.document);
    if (notify) {
      void vscode.window.showInformationMessage(inertText(text), 'List Blanks').then((choice) => {
        if (choice) void vscode.commands.executeCommand('glmInfill.listBlanks');
      });
    }
    this.emitter.fire({ text, via: notify ? 'notification' : 'statusBar' });
  }

  private wantsNotification(document: vscode.TextDocument): boolean {
    const how = this.settings().announceFills;
    if (how !== 'auto') return how === 'notification';
    return vscode.workspace.getConfiguration('editor', document).get<string>('accessibilitySupport') === 'on';
  }

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }
}
