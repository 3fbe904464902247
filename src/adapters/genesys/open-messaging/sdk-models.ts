import type platformClient from 'purecloud-platform-client-v2';

/**
 * The SDK's request and response models used by this adapter, named once so the rest of the
 * folder does not spell `platformClient.Models.*` everywhere.
 */
export type OpenInboundNormalizedMessage = platformClient.Models.OpenInboundNormalizedMessage;
export type OpenInboundNormalizedReceipt = platformClient.Models.OpenInboundNormalizedReceipt;
export type OpenInboundNormalizedEvent = platformClient.Models.OpenInboundNormalizedEvent;
export type OpenMessagingFromRecipient = platformClient.Models.OpenMessagingFromRecipient;
export type OpenMessagingToRecipient = platformClient.Models.OpenMessagingToRecipient;
export type OpenInboundMessageContent = platformClient.Models.OpenInboundMessageContent;
export type OpenContentAttachment = platformClient.Models.OpenContentAttachment;
export type ConversationReason = platformClient.Models.ConversationReason;
export type OpenEvent = platformClient.Models.OpenEvent;
export type ApiClient = platformClient.ApiClientClass;
export type ConversationsApi = platformClient.ConversationsApi;
export type OpenIntegration = platformClient.Models.OpenIntegration;
export type SupportedContent = platformClient.Models.SupportedContent;
